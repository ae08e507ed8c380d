"""Property tests of the perturbation (kpi.cellkey, kpi.perturbed): consistent, bounded, small in large groups."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.cellkey import NoiseTable, Perturbation, cell_keys, identity, set_keys
from kpi.perturbed import Rows, jittered_position, released_stats
from kpi.stats import group_stats_many

PERTURBATION = Perturbation()
amounts = st.floats(min_value=1.0, max_value=1e7, allow_nan=False, allow_infinity=False)
record_keys = st.integers(min_value=0, max_value=2**63 - 1)


def rows_of(matrix: np.ndarray, lower: bool = False, directed: bool = True) -> Rows:
    k = len(matrix)
    return Rows([f"k{i}" for i in range(k)], matrix, np.full(k, lower), np.full(k, directed), {}, {})


@given(st.lists(st.tuples(amounts, record_keys), min_size=5, max_size=40), st.randoms(use_true_random=False))
def test_the_same_contributors_get_the_same_figures_whatever_their_order(
    partners: list[tuple[float, int]], random: object
) -> None:
    values = np.array([v for v, _ in partners])
    keys = np.array([k for _, k in partners], dtype=np.uint64)
    order = np.arange(len(partners))
    random.shuffle(order)  # type: ignore[attr-defined]
    once = released_stats(rows_of(values[None, :]), keys, PERTURBATION)
    again = released_stats(rows_of(values[order][None, :]), keys[order], PERTURBATION)
    for field in ("mean", "median", "q1", "q3", "best"):
        assert np.allclose(getattr(once, field), getattr(again, field), rtol=1e-12, equal_nan=True)


@given(st.lists(st.tuples(amounts, record_keys), min_size=5, max_size=40), st.data())
def test_a_change_below_the_largest_moves_the_sum_by_exactly_that_change(
    partners: list[tuple[float, int]], data: st.DataObject
) -> None:
    """Asking again, or after another partner's correction, gives no new draw of the noise."""
    values = np.array([v for v, _ in partners])
    keys = np.array([k for _, k in partners], dtype=np.uint64)
    smaller = np.flatnonzero(values < values.max())
    if len(smaller) == 0:
        return
    who = data.draw(st.sampled_from(smaller.tolist()))
    changed = values.copy()
    changed[who] = data.draw(st.floats(min_value=1.0, max_value=float(values.max()), exclude_max=True))
    before = PERTURBATION.sum_noise(values[None, :], np.ones((1, len(values)), bool), keys, 7)
    after = PERTURBATION.sum_noise(changed[None, :], np.ones((1, len(values)), bool), keys, 7)
    assert before[0] == after[0]


@given(st.lists(amounts, min_size=5, max_size=60), st.lists(record_keys, min_size=60, max_size=60))
def test_the_noise_of_a_sum_lies_between_the_documented_bounds(values: list[float], keys: list[int]) -> None:
    """|noise| / largest in [share × smallest / 2^(1/4), share × 2^(1/4)]: never nearly exact, never wild."""
    vector = np.array(values)
    noise = PERTURBATION.sum_noise(
        vector[None, :], np.ones((1, len(values)), bool), np.array(keys[: len(values)], dtype=np.uint64), 11
    )[0]
    relative = abs(noise) / vector.max()
    rounding = 2**0.25
    assert PERTURBATION.share * PERTURBATION.table.smallest / rounding - 1e-12 <= relative
    assert relative <= PERTURBATION.share * rounding + 1e-12


@settings(max_examples=30)
@given(st.integers(min_value=0, max_value=2**32))
def test_the_noise_table_has_its_variance_and_no_small_values(seed: int) -> None:
    table = NoiseTable()
    keys = np.random.default_rng(seed).random(20_000)
    values = table.lookup(keys)
    assert np.all(np.abs(values) >= table.smallest - 1e-12) and np.all(np.abs(values) <= 1)
    assert abs(float((values**2).mean()) - table.variance) < 0.01
    assert abs(float(values.mean())) < 0.02


def test_one_partner_more_gives_an_independent_cell_key() -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 2**63, size=(5000, 8), dtype=np.int64).astype(np.uint64)
    with_all = cell_keys(set_keys(keys, np.ones_like(keys, dtype=bool)), identity("sum", "revenue_new"))
    without_last = np.ones_like(keys, dtype=bool)
    without_last[:, -1] = False
    with_fewer = cell_keys(set_keys(keys, without_last), identity("sum", "revenue_new"))
    other_kpi = cell_keys(set_keys(keys, np.ones_like(keys, dtype=bool)), identity("sum", "cogs"))
    assert abs(np.corrcoef(with_all, with_fewer)[0, 1]) < 0.05
    assert abs(np.corrcoef(with_all, other_kpi)[0, 1]) < 0.05
    assert 0.45 < with_all.mean() < 0.55  # uniform on [0, 1)


def _large_groups(seed: int, groups: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Yearly revenues of dealers as the demo network has them: three size classes (app.demo.profiles),
    the largest some fifteen times the smallest."""
    rng = np.random.default_rng(seed)
    classes = rng.choice(3, size=(groups, size), p=[0.45, 0.4, 0.15])
    low, high = np.array([2.5e6, 6e6, 17e6])[classes], np.array([5.5e6, 15e6, 38e6])[classes]
    values = rng.uniform(low, high)
    return values, rng.integers(0, 2**63, size=size, dtype=np.int64).astype(np.uint64)


def test_in_groups_of_thirty_and_more_95_percent_of_means_are_within_3_and_of_medians_within_1_percent() -> None:
    deviations_mean, deviations_median = [], []
    for size in (30, 40, 100, 1000):
        values, keys = _large_groups(size, 400, size)
        released = released_stats(rows_of(values), keys, PERTURBATION)
        exact = group_stats_many(values, np.zeros(len(values), bool))
        deviations_mean.append(np.abs(released.mean / exact.mean - 1))
        deviations_median.append(np.abs(released.median / exact.median - 1))
    assert np.percentile(np.concatenate(deviations_mean), 95) <= 0.03
    assert np.percentile(np.concatenate(deviations_median), 95) <= 0.01


@given(st.lists(st.tuples(amounts, record_keys), min_size=5, max_size=40, unique_by=lambda p: p[0]))
def test_no_released_quantile_is_a_members_exact_value(partners: list[tuple[float, int]]) -> None:
    values = np.array([v for v, _ in partners])
    released = released_stats(
        rows_of(values[None, :]), np.array([k for _, k in partners], dtype=np.uint64), PERTURBATION
    )
    assert released.q1[0] <= released.median[0] <= released.q3[0]
    for quantile in (released.q1[0], released.median[0], released.q3[0]):
        inside = values[(values > values.min()) & (values < values.max())]
        assert not np.any(np.isclose(inside, quantile, rtol=1e-9, atol=0))


@given(st.integers(min_value=5, max_value=60), st.sampled_from([False, True]))
def test_a_best_quarter_has_at_least_three_partners_and_none_without_a_direction(n: int, lower: bool) -> None:
    values, keys = _large_groups(n, 1, n)
    directed = released_stats(rows_of(values, lower), keys, PERTURBATION)
    undirected = released_stats(rows_of(values, lower, directed=False), keys, PERTURBATION)
    expected = -(-n // 4)
    if expected < 3:
        assert np.isnan(directed.best[0]) and directed.best_n[0] == 0
    else:
        assert directed.best_n[0] == expected and not np.isnan(directed.best[0])
    assert np.isnan(undirected.best[0])


def test_tied_partners_do_not_grow_the_best_quarter() -> None:
    values = np.array([[10.0] * 12 + [1.0] * 8])  # 20 partners: a quarter of 5, twelve tied at the top
    released = released_stats(rows_of(values), np.arange(20, dtype=np.uint64) * 7919, PERTURBATION)
    assert released.best_n[0] == 5


def test_an_additive_kpi_adds_up_from_its_terms_released_sums() -> None:
    values, keys = _large_groups(9, 3, 12)
    total = values[0] + values[1] - values[2]
    rows = Rows(
        ["a", "b", "c", "total"],
        np.vstack([values, total]),
        np.zeros(4, bool),
        np.ones(4, bool),
        {"total": [(1, "a"), (1, "b"), (-1, "c")]},
        {"a": values[0], "b": values[1], "c": values[2]},
    )
    released = released_stats(rows, keys, PERTURBATION)
    assert np.isclose(released.mean[3], released.mean[0] + released.mean[1] - released.mean[2], rtol=1e-12)


def test_a_rank_is_taken_against_the_others_perturbed_values() -> None:
    """Moving the own figure across a neighbour's exact value does not change the rank there: probing
    the rank reads nobody's exact figure."""
    rng = np.random.default_rng(5)
    values = rng.lognormal(12, 0.3, size=20)
    keys = rng.integers(0, 2**63, size=20, dtype=np.int64).astype(np.uint64)

    def rank_at(own: float) -> int:
        probe = values.copy()
        probe[0] = own
        place = jittered_position(probe, 0, keys, "revenue_new", False, PERTURBATION)
        assert place is not None
        return place.rank

    for neighbour in values[1:]:
        assert rank_at(neighbour * (1 - 1e-9)) == rank_at(neighbour * (1 + 1e-9))
    ranks = [rank_at(v) for v in np.linspace(values.min() * 0.5, values.max() * 1.5, 400)]
    assert ranks[0] == 20 and ranks[-1] == 1 and all(a >= b for a, b in itertools.pairwise(ranks))
