"""Property tests of the release rules: what partners may see of their group."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kpi.anonymity import AnonymityPolicy, primary_reason
from kpi.stats import group_stats, position

POLICY = AnonymityPolicy()
amounts = st.floats(min_value=0.0, max_value=1e7, allow_nan=False, allow_infinity=False)


@given(st.lists(amounts, min_size=1, max_size=60), st.sampled_from(["higher", "lower", None]))
def test_quartiles_are_ordered_and_the_best_quarter_is_never_one_partner(
    values: list[float], better: str | None
) -> None:
    stats = group_stats(np.array(values), better)
    assert stats is not None and stats.n == len(values)
    assert min(values) <= stats.q1 <= stats.median <= stats.q3 <= max(values)
    if stats.n >= POLICY.min_contributors:
        assert stats.best_n >= 2


@given(st.lists(st.one_of(amounts, st.just(float("nan"))), min_size=1, max_size=60), st.data())
def test_rank_is_within_one_and_n(values: list[float], data: st.DataObject) -> None:
    vector = np.array(values)
    index = data.draw(st.integers(0, len(values) - 1))
    where = position(vector, index, data.draw(st.sampled_from(["higher", "lower", None])))
    n = int((~np.isnan(vector)).sum())
    if np.isnan(vector[index]):
        assert where is None
    else:
        assert where is not None and 1 <= where.rank <= n and 0 <= where.percentile <= 100


@given(st.lists(amounts, min_size=1, max_size=30), st.lists(amounts, min_size=1, max_size=30))
def test_no_released_figure_has_fewer_than_five_or_a_dominant_contributor(
    sizes: list[float], other: list[float]
) -> None:
    n = min(len(sizes), len(other))
    inputs = {"revenue": np.array(sizes[:n]), "hours": np.array(other[:n])}
    if primary_reason(n, inputs, POLICY) is not None:
        return
    assert n >= 5
    for values in inputs.values():
        total = values.sum()
        if total > 0:
            shares = sorted(values / total, reverse=True)
            assert shares[0] <= 0.33 and shares[0] + shares[1] < 0.60
