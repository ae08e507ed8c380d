"""The differencing audit (kpi.anonymity.differencing_safe_matrix) against the plain algorithm it replaced.

The reference numbers each partner's versions with a loop over the releases and lets
every distinct member pattern attack with an SVD of all unknown contributions; the
audit under test works on the distinct release columns instead. Both must decide alike.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.anonymity import (
    AnonymityPolicy,
    differencing_safe,
    differencing_safe_matrix,
    differencing_safe_versions,
    may_release,
    may_release_matrix,
    releasable_versions,
)
from kpi.versions import (
    column_versions,
    distinct_columns_after,
    distinct_groups_after,
    next_versions,
    numbered_versions,
)


def reference_versions(matrix: np.ndarray) -> np.ndarray:
    """Per partner, its versions numbered in order of first appearance (-1: absent), by a loop."""
    present = ~np.isnan(matrix)
    matrix = matrix[:, present.any(axis=0)]
    present = ~np.isnan(matrix)
    rows = len(matrix)
    first = np.zeros(matrix.shape, dtype=np.int64)
    for r in range(rows):
        first[r] = (matrix[: r + 1] == matrix[r]).argmax(axis=0)
    new = (first == np.arange(rows)[:, None]) & present
    seen = np.cumsum(new, axis=0) - 1
    return np.where(present, np.take_along_axis(seen, first, axis=0), -1)


def reference_safe(matrix: np.ndarray) -> bool:
    """The audit as it was: a variable per (partner, version), every distinct pattern attacks."""
    patterns = [tuple(column) for column in reference_versions(matrix).T.tolist()]
    if not patterns:
        return True
    if len(patterns[0]) == 1:
        return len(patterns) != 2
    variables = sorted({(owner, v) for owner, pattern in enumerate(patterns) for v in pattern if v >= 0})
    column = {v: i for i, v in enumerate(variables)}
    releases = np.zeros((len(patterns[0]), len(variables)))
    for owner, pattern in enumerate(patterns):
        for r, version in enumerate(pattern):
            if version >= 0:
                releases[r, column[(owner, version)]] = 1.0
    for attacker in {pattern: owner for owner, pattern in enumerate(patterns)}.values():
        reduced = releases[:, [i for i, (owner, _) in enumerate(variables) if owner != attacker]]
        _, singular, vt = np.linalg.svd(reduced, full_matrices=False)
        basis = vt[singular > 1e-9 * max(singular.max(initial=0.0), 1.0)]
        if np.any((basis**2).sum(axis=0) > 1 - 1e-9):
            return False
    return True


def realistic_history(
    rng: np.random.Generator,
    releases: int,
    partners: int,
    changes: tuple[int, int] = (3, 20),
    returning: float = 0.1,
    leaving: float = 0.02,
) -> np.ndarray:
    """A cell's releases as the portal keeps them: everyone at first, then per release a few
    partners with a new value, an earlier one of theirs again, or none (left; they may rejoin)."""
    matrix = np.full((releases, partners), np.nan)
    matrix[0] = rng.integers(0, 10**6, partners)
    for r in range(1, releases):
        matrix[r] = matrix[r - 1]
        count = min(partners, int(rng.integers(changes[0], changes[1] + 1)))
        for c in rng.choice(partners, count, replace=False):
            draw = rng.random()
            if draw < leaving:
                matrix[r, c] = np.nan
            elif draw < leaving + returning:
                matrix[r, c] = matrix[rng.integers(0, r), c]
            else:
                matrix[r, c] = rng.integers(0, 10**6)
    return matrix


def decide_alike(matrix: np.ndarray) -> bool:
    expected = reference_safe(matrix)
    assert differencing_safe_matrix(matrix) == expected, matrix
    return expected


cells = st.sampled_from([np.nan, 1.0, 2.0, 3.0])
small_matrices = st.integers(1, 8).flatmap(
    lambda partners: st.lists(st.lists(cells, min_size=partners, max_size=partners), min_size=1, max_size=8)
)


@st.composite
def histories(draw: st.DrawFn) -> np.ndarray:
    """Few changes per release, returns to earlier values, partners joining and leaving."""
    partners = draw(st.integers(1, 14))
    first = draw(st.lists(st.sampled_from([np.nan, 0.0]), min_size=partners, max_size=partners))
    rows = [first]
    for _ in range(draw(st.integers(0, 14))):
        row = list(rows[-1])
        for partner in draw(st.lists(st.integers(0, partners - 1), max_size=4, unique=True)):
            row[partner] = draw(st.sampled_from([np.nan, 0.0, 1.0, 2.0, 3.0, float(len(rows) + 10)]))
        rows.append(row)
    return np.array(rows)


@settings(max_examples=300, deadline=None)
@given(small_matrices)
def test_versions_are_numbered_as_by_the_loop(rows: list[list[float]]) -> None:
    matrix = np.array(rows)
    assert np.array_equal(numbered_versions(matrix), reference_versions(matrix))


@settings(max_examples=1500, deadline=None)
@given(small_matrices)
def test_any_small_history_is_decided_as_by_the_reference(rows: list[list[float]]) -> None:
    decide_alike(np.array(rows))


@settings(max_examples=1500, deadline=None)
@given(histories())
def test_histories_of_few_changes_are_decided_as_by_the_reference(matrix: np.ndarray) -> None:
    assert np.array_equal(numbered_versions(matrix), reference_versions(matrix))
    decide_alike(matrix)


@settings(max_examples=1500, deadline=None)
@given(histories())
def test_numbering_one_more_release_gives_the_numbers_of_the_whole_history(matrix: np.ndarray) -> None:
    full = column_versions(matrix)
    present = ~np.isnan(matrix).all(axis=0)
    assert np.array_equal(full[:, present], reference_versions(matrix))
    assert (full[:, ~present] == -1).all()
    for rows in range(1, len(matrix) + 1):  # a history growing a release at a time
        assert np.array_equal(next_versions(column_versions(matrix[: rows - 1]), matrix[:rows]), full[:rows])
    assert differencing_safe_versions(full) == differencing_safe_matrix(matrix)


@settings(max_examples=1500, deadline=None)
@given(histories(), st.integers(1, 4))
def test_the_audit_on_distinct_columns_kept_release_by_release_decides_as_on_the_whole_matrix(
    matrix: np.ndarray, least_new: int
) -> None:
    policy = AnonymityPolicy(min_new_contributions=least_new)
    distinct = None
    for rows in range(1, len(matrix) + 1):  # a history growing a release at a time
        versions = column_versions(matrix[:rows])
        numbers, index, counts = distinct_groups_after(distinct, versions)
        distinct = distinct_columns_after(distinct, versions)
        assert np.array_equal(numbers, distinct)
        # Equal numbers exactly where the columns are equal; a column of each number, and how many have it.
        same = (versions[:, :, None] == versions[:, None, :]).all(axis=0)
        assert np.array_equal(same, distinct[:, None] == distinct[None, :])
        assert np.array_equal(distinct[index], np.arange(len(index)))
        assert np.array_equal(counts, np.bincount(distinct))
        expected = may_release_matrix(matrix[:rows], policy) and differencing_safe_matrix(matrix[:rows])
        assert releasable_versions(versions, distinct, policy) == expected
        assert releasable_versions(versions, distinct, policy, (index, counts)) == expected


BASE = {p: "a" for p in range(1, 6)}
POLICY = AnonymityPolicy()


def decide(history: list[dict[int, str]], candidate: dict[int, str]) -> bool:
    """differencing_safe, checked against the reference on the same matrix."""
    from kpi.anonymity import releases_matrix

    decide_alike(releases_matrix([*history, candidate]))
    return differencing_safe(history, candidate)


def test_one_partner_changing_alone_shows_only_its_change_which_the_release_rule_holds_back() -> None:
    # The sums differ by partner 1's change, not by a value: the audit lets it pass, and
    # may_release (at least three changes against every release) is what holds it back.
    assert decide([BASE], {**BASE, 1: "b"})
    assert not may_release([BASE], {**BASE, 1: "b"}, POLICY)


def test_two_partners_one_of_which_changes_learn_each_others_values() -> None:
    # Release 1: a0 + b, release 2: a1 + b. B knows b, so a0 and a1; A knows a0 and a1, so b.
    assert not decide([{1: "a", 2: "a"}], {1: "b", 2: "a"})
    # A third partner that keeps its value hides both: its value and B's are only known as a sum.
    assert decide([{1: "a", 2: "a", 3: "a"}], {1: "b", 2: "a", 3: "a"})


def test_partners_joining_or_leaving_alone_give_their_value_away() -> None:
    assert not decide([BASE], {**BASE, 8: "a"})
    assert not decide([BASE], {p: v for p, v in BASE.items() if p != 5})
    # Joining with others changing, the newcomer's value is only known with their changes.
    assert decide([BASE], {**BASE, 1: "b", 2: "b", 8: "a"})


def test_two_partners_joining_together_learn_each_other_but_not_a_third_joining_with_them() -> None:
    assert not decide([BASE], {**BASE, 8: "a", 9: "a"})
    assert decide([BASE], {**BASE, 8: "a", 9: "a", 10: "a"})


def test_returning_to_an_earlier_value_is_that_value_again() -> None:
    # Partner 8 joins with three changes, then the three return to their first values:
    # the third release differs from the first by partner 8's value alone.
    joined = {**BASE, 1: "b", 2: "b", 3: "b", 8: "a"}
    assert decide([BASE], joined)
    assert not decide([BASE, joined], {**BASE, 8: "a"})
    # New values instead keep it hidden.
    assert decide([BASE, joined], {**BASE, 1: "c", 2: "c", 3: "c", 8: "a"})


def test_a_single_release_gives_a_value_away_only_between_exactly_two_partners() -> None:
    assert decide([], {1: "a"})
    assert not decide([], {1: "a", 2: "b"})
    assert decide([], {1: "a", 2: "b", 3: "c"})


def test_no_partners_at_all_is_safe() -> None:
    assert differencing_safe_matrix(np.full((3, 2), np.nan))
    assert differencing_safe_matrix(np.zeros((2, 0)))


@pytest.mark.parametrize(
    ("releases", "partners", "changes", "seed"),
    # Kept small for the reference's sake; bench/anonymity.py compares 1,000 partners.
    [(30, 100, (3, 10), 1), (40, 150, (3, 15), 2), (60, 120, (3, 8), 3), (80, 100, (3, 6), 4), (50, 60, (1, 3), 5)],
)
def test_realistic_histories_are_decided_as_by_the_reference(
    releases: int, partners: int, changes: tuple[int, int], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    history = realistic_history(rng, releases, partners, changes, returning=0.2, leaving=0.05)
    decide_alike(history)
    # One more release where a newcomer joins and no one else changes, or one partner leaves.
    joined = np.vstack([np.hstack([history, np.full((releases, 1), np.nan)]), [*history[-1], 1.0]])
    assert not decide_alike(joined), "a partner joining alone"
    left = np.vstack([history, history[-1]])
    left[-1, np.flatnonzero(~np.isnan(history[-1]))[0]] = np.nan
    assert not decide_alike(left), "a partner leaving alone"
