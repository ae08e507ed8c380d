"""A cell's history numbers the partners' versions one release at a time, as the audit would from scratch."""

from __future__ import annotations

import numpy as np

from app.benchmark import contributions
from app.benchmark.contributions import first_release
from kpi.anonymity import AnonymityPolicy, differencing_safe_matrix, may_release_matrix
from kpi.versions import column_versions


def test_versions_of_a_history_grown_release_by_release_equal_those_of_its_whole_matrix() -> None:
    rng = np.random.default_rng(7)
    history = first_release(np.array([1, 2, 3, 5]), np.array([10.0, 20.0, 30.0, 50.0]))
    for release in range(40):
        ids, values = history.latest()
        values = values.copy()
        changed = rng.choice(len(values), size=3, replace=False)
        values[changed] = rng.choice([1.0, 2.0, values[changed[0]]], size=3)  # new values and returns
        if release % 7 == 3:  # a partner joins
            ids, values = np.append(ids, 100 + release), np.append(values, 1.0)
        if release % 11 == 5:  # one leaves
            ids, values = ids[1:], values[1:]
        history = history.with_candidate(ids, values)
        if release % 5 == 4:
            continue  # not audited this time (e.g. the cell is hidden): numbered with the next one
        assert np.array_equal(history.versions(), column_versions(history.matrix)), release
        for policy in (AnonymityPolicy(min_new_contributions=1), AnonymityPolicy()):
            whole = may_release_matrix(history.matrix, policy) and differencing_safe_matrix(history.matrix)
            assert history.releasable(policy) == whole, release


def test_candidates_on_the_same_history_each_keep_their_own_release() -> None:
    """A check computed but not written, then computed again: both candidates grow one history."""
    ids = np.array([1, 2, 3, 4, 5, 6])
    history = first_release(ids, np.arange(6.0))
    for step in range(12):  # grown in place for a while, so that there is room to take
        history = history.with_candidate(ids, history.matrix[-1] + np.eye(6)[step % 6] * 3)
        history.versions()
    before = history.matrix.copy()
    rows = {name: history.matrix[-1] + np.eye(6)[k] * 7 for k, name in enumerate("abc")}
    first = history.with_candidate(ids, rows["a"])
    second = history.with_candidate(ids, rows["b"])
    first_child = first.with_candidate(ids, rows["c"])
    for candidate in (first, second, first_child):
        assert np.array_equal(candidate.versions(), column_versions(candidate.matrix))
    np.testing.assert_array_equal(history.matrix, before)
    np.testing.assert_array_equal(first.matrix[-1], rows["a"])
    np.testing.assert_array_equal(second.matrix[-1], rows["b"])
    np.testing.assert_array_equal(first_child.matrix[-2:], [rows["a"], rows["c"]])
    np.testing.assert_array_equal(second.matrix[:-1], before)


def test_a_history_read_again_after_another_workers_releases_continues_the_kept_numbering() -> None:
    rng = np.random.default_rng(11)
    history = first_release(np.array([1, 2, 3, 4]), np.array([1.0, 2.0, 3.0, 4.0]))
    states = [history]
    for release in range(30):
        ids, values = history.latest()
        values = values.copy()
        values[rng.choice(len(values), size=3, replace=False)] = rng.choice([1.0, 2.0, 9.0], size=3)
        if release % 6 == 2:  # partners join and leave
            ids, values = np.append(ids, 50 + release), np.append(values, 5.0)
        if release % 9 == 4:
            ids, values = ids[1:], values[1:]
        history = history.with_candidate(ids, values)
        history.versions()
        states.append(history)
    kept = states[12]  # this worker's last state; the other worker wrote the rest
    read = contributions.CellHistory(history.ids, history.matrix.copy())  # as load_histories builds it
    continued = contributions._continued({"revenue_new": read}, {"revenue_new": kept})["revenue_new"]
    np.testing.assert_array_equal(continued.ids, read.ids)
    np.testing.assert_array_equal(continued.matrix, read.matrix)
    assert continued._versions, "numbered while grown from the kept state"
    assert np.array_equal(continued.versions(), column_versions(read.matrix))
    for policy in (AnonymityPolicy(min_new_contributions=1), AnonymityPolicy()):
        assert continued.releasable(policy) == (
            may_release_matrix(read.matrix, policy) and differencing_safe_matrix(read.matrix)
        )
    np.testing.assert_array_equal(kept.matrix, states[12].matrix)


def test_a_history_shows_a_candidate_only_with_the_same_partners_and_values() -> None:
    """A release check skips the audit of cells whose figures nobody changed: it must see every change."""
    history = first_release(np.array([1, 2, 3]), np.array([10.0, 20.0, 30.0]))
    assert history.shows(np.array([1, 2, 3]), np.array([10.0, 20.0, 30.0]))
    assert not history.shows(np.array([1, 2, 3]), np.array([10.0, 20.0, 31.0]))  # a value changed
    assert not history.shows(np.array([1, 2, 4]), np.array([10.0, 20.0, 30.0]))  # another partner
    assert not history.shows(np.array([1, 2]), np.array([10.0, 20.0]))  # one left
    # The last release without partner 2 (absent): shown again only without it.
    history = history.with_candidate(np.array([1, 3]), np.array([11.0, 30.0]))
    assert history.shows(np.array([1, 3]), np.array([11.0, 30.0]))
    assert not history.shows(np.array([1, 2, 3]), np.array([11.0, 20.0, 30.0]))  # back again
