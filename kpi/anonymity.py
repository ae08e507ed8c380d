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
from kpi.versions import distinct_columns, numbered_versions


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
    try:  # versions are strings: compare the pairs as sets, in C
        differing = previous.items() ^ current.items()
    except TypeError:  # unhashable versions
        differing = {(p, None) for p in set(previous) | set(current) if previous.get(p) != current.get(p)}
    return len({p for p, _version in differing}) >= policy.min_new_contributions


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
    possible attacker, on the distinct release columns of the contributions: one SVD, and
    a small projection per member that alone holds some of them (see `_pattern_safe`).
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
    not the values or who the partners are, so results are cached per multiset of partner
    patterns: the cells of one release mostly share theirs.
    """
    return differencing_safe_versions(numbered_versions(matrix))


def differencing_safe_versions(versions: np.ndarray) -> bool:
    """`differencing_safe_matrix` of the matrix whose `kpi.versions.column_versions` these are."""
    contributed = (versions >= 0).any(axis=0)
    if not contributed.all():
        versions = versions[:, contributed]
    index, _, counts = distinct_columns(versions)
    patterns = np.ascontiguousarray(versions[:, index], dtype=np.int32)
    return _pattern_safe(len(patterns), patterns.tobytes(), counts.astype(np.int64).tobytes())


def releasable_versions(
    versions: np.ndarray,
    distinct: np.ndarray,
    policy: AnonymityPolicy,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> bool:
    """`may_release_matrix` and `differencing_safe_matrix` of the matrix whose `column_versions` these
    are (`distinct`: `kpi.versions.distinct_columns_after` of them), both on its distinct columns only: a
    1,000-partner history has a few dozen. `groups`: a column of each distinct one and how many there
    are of it, if known (`kpi.versions.distinct_groups_after`)."""
    _, index, counts = (None, *groups) if groups else np.unique(distinct, return_index=True, return_counts=True)
    patterns = versions[:, index]
    if len(patterns) >= 2:  # equal versions: equal values, or absent in both releases
        changed = (patterns[:-1] != patterns[-1]).astype(np.int64) @ counts
        if (changed < policy.min_new_contributions).any():
            return False
    contributed = (patterns >= 0).any(axis=0)
    patterns, counts = patterns[:, contributed], counts[contributed]
    return _pattern_safe(
        len(patterns), np.ascontiguousarray(patterns, dtype=np.int32).tobytes(), counts.astype(np.int64).tobytes()
    )


# A key of a 1,000-partner history is some 100 kB, and the hits come from the cells of one release.
@lru_cache(maxsize=128)
def _pattern_safe(rows: int, patterns: bytes, counts: bytes) -> bool:
    """`differencing_safe` of the distinct partner patterns (a column of versions per pattern, int32)
    and how many partners have each (int64).

    The unknowns are the contributions, one per (partner, version); the releases are sums of
    them. An attacker knowing its own contributions computes another one exactly iff that
    one's column of the release-by-contribution matrix is no combination of the other unknown
    columns (only then has every null vector a zero there). A copy of the column among the
    unknown ones would be such a combination, and a partner's versions lie in disjoint
    releases, so each partner holds at most one copy of a column. Hence the audit runs on
    the distinct columns, with how many contributions have each:
    - a distinct column that is no combination of the others (a coloop) and held by one or
      two contributions gives itself away to a member (to any but its holder, or to the
      other holder); held three times or more, no column ever does;
    - a member holding columns alone removes them, after which further columns, held once
      or held twice with the member holding the other copy, may become coloops. Only these
      members need a check of their own: every other one sees all distinct columns, and what
      it could compute the first check has found.
    """
    partners = np.frombuffer(counts, dtype=np.int64)
    if partners.sum() < 2:
        return True  # a lone partner learns only about itself
    columns, multiplicity, holder, column = _contribution_columns(
        np.frombuffer(patterns, dtype=np.int32).reshape(rows, -1), partners
    )
    basis = _row_space(columns)
    # A unit vector's squared projection onto the row space: 1 (of the distinct columns) for a coloop.
    leverage = (basis**2).sum(axis=1)
    if np.any((leverage > 1 - _TOLERANCE) & (multiplicity <= 2)):
        return False
    return not _a_member_holding_alone_learns(basis, leverage, multiplicity, holder, column)


_TOLERANCE = 1e-9
_BATCH = 1 << 21  # entries of a member-by-candidate product (16 MB)


def _contribution_columns(
    patterns: np.ndarray, partners: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct columns of the contributions (0/1: the releases that sum them), how many
    contributions have each, and per contribution of a distinct pattern: that pattern, and
    its distinct column. `partners`: how many partners have each pattern."""
    versions = patterns.max(axis=0) + 1
    first = np.cumsum(versions) - versions
    r, p = np.nonzero(patterns >= 0)
    incidence = np.zeros((len(patterns), int(versions.sum())), dtype=bool)
    incidence[r, first[p] + patterns[r, p]] = True
    index, column, _ = distinct_columns(incidence)
    holder = np.repeat(np.arange(len(versions)), versions)
    multiplicity = np.bincount(column, weights=partners[holder], minlength=len(index)).round().astype(np.int64)
    return incidence[:, index].astype(float), multiplicity, holder, column


def _row_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the row space, as columns (ranked by SVD as before)."""
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    basis: np.ndarray = vt[singular > _TOLERANCE * max(singular.max(initial=0.0), 1.0)].T
    return basis


def _a_member_holding_alone_learns(
    basis: np.ndarray, leverage: np.ndarray, multiplicity: np.ndarray, holder: np.ndarray, column: np.ndarray
) -> bool:
    """Whether a member holding columns alone computes another contribution once it removes them.

    Members removing equally many columns are checked together, in batches.
    """
    alone = multiplicity[column] == 1
    removing = np.bincount(holder[alone], minlength=holder.max(initial=-1) + 1)
    candidates = np.flatnonzero(multiplicity <= 2)
    for size in np.unique(removing[removing > 0]).tolist():
        members = np.flatnonzero(removing == size)
        step = max(1, _BATCH // (len(candidates) * size))
        for batch in np.split(members, np.arange(step, len(members), step)):
            mine = np.isin(holder, batch)
            # Contributions are ordered by pattern, so a member's removed columns come in a block.
            removed = column[mine & alone].reshape(len(batch), size)
            learns = _coloops_without(basis, leverage, removed, candidates)
            # The columns that only one contribution unknown to the member has: those held once,
            # except its own, and those held twice of which it holds one.
            unknown = np.broadcast_to(multiplicity[candidates] == 1, learns.shape).copy()
            unknown[np.arange(len(batch))[:, None], np.searchsorted(candidates, removed)] = False
            shared = mine & (multiplicity[column] == 2)
            unknown[np.searchsorted(batch, holder[shared]), np.searchsorted(candidates, column[shared])] = True
            if np.any(learns & unknown):
                return True
    return False


def _coloops_without(
    basis: np.ndarray, leverage: np.ndarray, removed: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """Per row of `removed` (each a set of distinct columns), which `candidates` are coloops of
    the distinct columns without that set (meaningless for the candidates in the set).

    With P = I - basis basis^T, the projection onto the null space of the distinct columns,
    the null vectors without the set R are (padded with zeros) those vanishing on R. A
    candidate u is a coloop iff all of them vanish at u too, i.e. iff P's row u lies in the
    span of P's rows R: its squared distance from that span, P[u, u] - P[u, R] P[R, R]^+ P[R, u]
    (P is symmetric and idempotent, so P[u, w] is the dot product of rows u and w), is 0.
    """
    held = basis[removed]  # sets, removed, rank
    size = removed.shape[1]
    gram = np.eye(size) - np.einsum("srk,sqk->srq", held, held)
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    inverse = np.where(eigenvalues > _TOLERANCE, 1 / np.maximum(eigenvalues, _TOLERANCE), 0.0)
    # P[u, R] (up to sign, u outside R) in the eigenvectors' coordinates, all sets in one product.
    rotated = np.einsum("srq,srk->sqk", eigenvectors, held).reshape(-1, basis.shape[1])
    cross = (basis[candidates] @ rotated.T).reshape(len(candidates), len(removed), size)
    explained = (cross**2 * inverse[None, :, :]).sum(axis=2).T
    coloops: np.ndarray = (1 - leverage[candidates])[None, :] - explained < _TOLERANCE
    return coloops
