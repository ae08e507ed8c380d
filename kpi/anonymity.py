"""When a group figure may be shown to partners (competition law; shared/DESIGN.md, Anonymity).

A benchmark between competitors is an exchange of information. A group figure is
released only when
- at least `min_contributors` partners contribute,
- no partner contributes more than `max_share` of any summed input, and the two
  largest together less than `max_top2_share`,
- no released neighbour lets it be subtracted back (secondary suppression over the
  catalogue's additive formulas, e.g. revenue_total = revenue_new + ... ), and
- it changed through at least `min_new_contributions` partners since its last
  release, so that two successive releases never differ by one partner's value.
Every hidden cell carries its reason in German.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from kpi.formula import Vector


@dataclass(frozen=True)
class AnonymityPolicy:
    min_contributors: int = 5
    max_share: float = 0.33
    max_top2_share: float = 0.60
    min_new_contributions: int = 3


def primary_reason(
    n: int, inputs: Mapping[str, Vector], policy: AnonymityPolicy, labels: Mapping[str, str] | None = None
) -> str | None:
    """Why a cell must stay hidden on its own, or None. `inputs`: the summed inputs of the contributors."""
    if n < policy.min_contributors:
        return f"Zu wenige Partner mit Werten (n = {n}, mindestens {policy.min_contributors})."
    for key, values in inputs.items():
        name = (labels or {}).get(key, key)
        present = np.abs(values[~np.isnan(values)])
        total = float(present.sum())
        if total <= 0 or len(present) < 2:
            continue
        shares = np.sort(present)[::-1] / total
        if shares[0] > policy.max_share:
            return f"Ein Partner trägt mehr als {policy.max_share:.0%} zu „{name}“ bei."
        if shares[0] + shares[1] >= policy.max_top2_share:
            return f"Die zwei größten Partner tragen {policy.max_top2_share:.0%} oder mehr zu „{name}“ bei."
    return None


def secondary_suppression(
    hidden: Mapping[str, str], relations: Iterable[tuple[str, list[str]]], labels: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Extend the hidden cells so that no additive relation (total, terms) has exactly the hidden ones released.

    In a relation total = a + b - c, any single hidden member follows from the others,
    so as soon as one member is hidden, all members are.
    """
    result = dict(hidden)
    changed = True
    while changed:
        changed = False
        for total, terms in relations:
            members = [total, *terms]
            covered = [m for m in members if m in result]
            if covered and len(covered) < len(members):
                cause = (labels or {}).get(covered[0], covered[0])
                for member in members:
                    if member not in result:
                        result[member] = f"Sekundärsperrung: ließe sich über „{cause}“ zurückrechnen."
                        changed = True
    return result


def may_rerelease(
    previous: Mapping[Any, object] | None, current: Mapping[Any, object], policy: AnonymityPolicy
) -> bool:
    """Whether a cell may show new figures, given who contributed what at its last release.

    `previous`/`current` map partner -> a version of its contribution (e.g. when it was
    last changed). Between two releases at least `min_new_contributions` partners must
    have joined, left or changed; otherwise the difference would narrow down to one or
    two partners, and the cell keeps showing its last release.
    """
    if previous is None:
        return True
    changed = {p for p in set(previous) | set(current) if previous.get(p) != current.get(p)}
    return len(changed) >= policy.min_new_contributions


def rounded(value: float, digits: int = 4) -> float:
    """Released figures keep `digits` significant digits: enough to read, too coarse to difference."""
    if math.isnan(value) or value == 0:
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def may_release(
    history: Sequence[Mapping[Any, object]], current: Mapping[Any, object], policy: AnonymityPolicy
) -> bool:
    """`may_rerelease` against every earlier release of the cell, not only the last one.

    Two releases that are not successive differ by one partner just as well: partner A
    changes twice and partner B once between three releases, and the first and third
    differ only by B.
    """
    return may_release_matrix(releases_matrix([*history, current]), policy)


def differencing_safe(history: Sequence[Mapping[Any, object]], candidate: Mapping[Any, object]) -> bool:
    """Whether releasing `candidate` keeps every contribution hidden from every member (sums, worst case).

    Each release is taken as the exact sum of its contributions; a contribution is one
    partner's value in one version. A member knows its own contributions; if, after
    moving those to the known side, some other contribution lies in the row space of
    the releases, that member can compute it exactly. Checked for every member as the
    possible attacker (a projection onto the row space via SVD per member).
    """
    return differencing_safe_matrix(releases_matrix([*history, candidate]))


def releases_matrix(releases: Sequence[Mapping[Any, object]]) -> np.ndarray:
    """Releases (partner -> value, any comparable values) as a matrix: a row per release, a column
    per partner, equal values as equal numbers, NaN where the partner did not contribute."""
    partners = sorted({partner for release in releases for partner in release}, key=repr)
    codes: dict[object, float] = {}
    matrix = np.full((len(releases), len(partners)), np.nan)
    for r, release in enumerate(releases):
        for c, partner in enumerate(partners):
            if partner in release:
                matrix[r, c] = codes.setdefault(release[partner], float(len(codes)))
    return matrix


def may_release_matrix(matrix: np.ndarray, policy: AnonymityPolicy) -> bool:
    """`may_release` of the last row against the earlier ones (rows: releases, columns: partners, NaN: absent)."""
    if len(matrix) < 2:
        return True
    earlier, current = matrix[:-1], matrix[-1]
    same = (earlier == current) | (np.isnan(earlier) & np.isnan(current))
    return bool(((~same).sum(axis=1) >= policy.min_new_contributions).all())


def differencing_safe_matrix(matrix: np.ndarray) -> bool:
    """`differencing_safe` of the last row given the earlier ones (rows: releases, columns: partners, NaN: absent).

    Only the pattern matters (which partner kept or changed its value in which release),
    not the values or who the partners are, so results are cached per pattern: the cells
    of one release mostly share theirs.
    """
    present = ~np.isnan(matrix)
    matrix = matrix[:, present.any(axis=0)]
    present = ~np.isnan(matrix)
    rows = len(matrix)
    # Per partner, its versions numbered in order of first appearance: first[r] is the first
    # release with the value of release r, and a version counts where it first appears.
    first = np.zeros(matrix.shape, dtype=np.int64)
    for r in range(rows):
        first[r] = (matrix[: r + 1] == matrix[r]).argmax(axis=0)
    new = (first == np.arange(rows)[:, None]) & present
    seen = np.cumsum(new, axis=0) - 1
    versions = np.where(present, np.take_along_axis(seen, first, axis=0), -1)
    distinct = sorted((tuple(versions[:, c].tolist()), n) for c, n in _distinct_columns(versions))
    return _pattern_safe(tuple(pattern for pattern, n in distinct for _ in range(n)))


_WEIGHTS = np.random.default_rng(20261127).random(4096) + 1.0


def _distinct_columns(versions: np.ndarray) -> list[tuple[int, int]]:
    """(a column, how many columns equal it) per distinct column; most partners share a few patterns."""
    rows = len(versions)
    if rows <= len(_WEIGHTS):
        # A random weighting of each column groups equal ones at once; the grouping is then checked.
        _, index, inverse, counts = np.unique(
            _WEIGHTS[:rows] @ versions, return_index=True, return_inverse=True, return_counts=True
        )
        if np.array_equal(versions, versions[:, index[inverse]]):
            return list(zip(index.tolist(), counts.tolist(), strict=True))
    found: dict[bytes, list[int]] = {}
    for c, column in enumerate(np.ascontiguousarray(versions.T)):
        found.setdefault(column.tobytes(), [c, 0])[1] += 1
    return [(c, n) for c, n in found.values()]


@lru_cache(maxsize=4096)
def _pattern_safe(patterns: tuple[tuple[int, ...], ...]) -> bool:
    if not patterns:
        return True
    if len(patterns[0]) == 1:
        # One release: a member learns another's value only when they are the only two.
        return len(patterns) != 2
    variables = sorted(
        {(owner, version) for owner, pattern in enumerate(patterns) for version in pattern if version >= 0}
    )
    column = {v: i for i, v in enumerate(variables)}
    matrix = np.zeros((len(patterns[0]), len(variables)))
    for owner, pattern in enumerate(patterns):
        for r, version in enumerate(pattern):
            if version >= 0:
                matrix[r, column[(owner, version)]] = 1.0
    owners = [owner for owner, _ in variables]
    # Members with the same pattern face the same problem up to swapping columns: one of each will do.
    attackers = {pattern: owner for owner, pattern in reversed(list(enumerate(patterns)))}
    for attacker in attackers.values():
        unknown = [i for i, owner in enumerate(owners) if owner != attacker]
        reduced = matrix[:, unknown]
        _, singular, vt = np.linalg.svd(reduced, full_matrices=False)
        basis = vt[singular > 1e-9 * max(singular.max(initial=0.0), 1.0)]
        # A unit vector lies in the row space iff its projection keeps its full length.
        if np.any((basis**2).sum(axis=0) > 1 - 1e-9):
            return False
    return True
