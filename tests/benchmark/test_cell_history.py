"""A cell's history numbers the partners' versions one release at a time, as the audit would from scratch."""

from __future__ import annotations

import numpy as np

from app.benchmark.contributions import first_release
from kpi.anonymity import AnonymityPolicy, column_versions, differencing_safe_matrix, may_release_matrix


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
