"""Spans, aggregation over time by metric kind, group statistics and release rules, by hand."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from kpi.anonymity import AnonymityPolicy, primary_reason, rounded, secondary_suppression
from kpi.cube import Cube
from kpi.periods import Span, prior_year, span_months
from kpi.stats import change, group_stats, position


@pytest.mark.parametrize(
    ("span", "first", "last", "count"),
    [
        (Span.MONTH, date(2026, 5, 1), date(2026, 5, 1), 1),
        (Span.QUARTER, date(2026, 4, 1), date(2026, 6, 1), 3),
        (Span.HALF, date(2026, 1, 1), date(2026, 6, 1), 6),
        (Span.YTD, date(2026, 1, 1), date(2026, 5, 1), 5),
        (Span.YEAR, date(2026, 1, 1), date(2026, 12, 1), 12),
        (Span.R12, date(2025, 6, 1), date(2026, 5, 1), 12),
    ],
)
def test_spans_around_may_2026(span: Span, first: date, last: date, count: int) -> None:
    months = span_months(span, date(2026, 5, 1))
    assert (months[0], months[-1], len(months)) == (first, last, count)
    assert prior_year(date(2026, 5, 1)) == date(2025, 5, 1)


def test_flows_add_up_stocks_take_the_end_and_averages_the_mean() -> None:
    months = [date(2026, m, 1) for m in (1, 2, 3)]
    cube = Cube.empty([1, 2], months, ["revenue", "stock", "fte"])
    cube.values[0] = [[10, 100, 4], [20, 110, 5], [30, 90, 6]]
    cube.values[1] = [[1, 5, 2], [np.nan, 6, 2], [3, 7, 2]]
    quarter = cube.aggregate(Span.QUARTER, date(2026, 2, 1), {"revenue": "flow", "stock": "stock", "fte": "average"})
    assert quarter["revenue"][0] == 60 and quarter["stock"][0] == 90 and quarter["fte"][0] == 5
    assert math.isnan(quarter["revenue"][1]), "a month missing in the span: no value for the span"
    assert quarter["stock"][1] == 7 and quarter["fte"][1] == 2
    outside = cube.aggregate(Span.YEAR, date(2026, 2, 1), {})
    assert all(math.isnan(v) for values in outside.values() for v in values)


def test_group_statistics_by_hand() -> None:
    values = np.array([10.0, 20.0, 30.0, 40.0, 50.0, np.nan])
    stats = group_stats(values, "higher")
    assert stats is not None
    assert (stats.n, stats.median, stats.q1, stats.q3, stats.mean) == (5, 30.0, 20.0, 40.0, 30.0)
    assert (stats.best, stats.best_n) == (45.0, 2)
    lower = group_stats(values, "lower")
    assert lower is not None and (lower.best, lower.best_n) == (15.0, 2)
    assert group_stats(np.array([np.nan]), "higher") is None


def test_rank_and_percentile_by_hand() -> None:
    values = np.array([10.0, 20.0, 30.0, 40.0, 50.0, np.nan])
    top = position(values, 4, "higher")
    assert top is not None and (top.rank, top.percentile) == (1, 100.0)
    bottom = position(values, 0, "higher")
    assert bottom is not None and (bottom.rank, bottom.percentile) == (5, 0.0)
    cheapest = position(values, 0, "lower")
    assert cheapest is not None and cheapest.rank == 1
    middle = position(np.array([1.0, 2.0, 2.0, 3.0]), 1, "higher")
    assert middle is not None and middle.rank == 2
    assert position(values, 5, "higher") is None
    assert change(110.0, 100.0) == pytest.approx(10.0) and math.isnan(change(5.0, 0.0))


def test_primary_rules_by_hand() -> None:
    policy = AnonymityPolicy()
    four = {"revenue": np.array([1.0, 1.0, 1.0, 1.0])}
    assert "n = 4" in (primary_reason(4, four, policy) or "")
    dominant = {"revenue": np.array([34.0, 20.0, 20.0, 16.0, 10.0])}
    assert "mehr als 33" in (primary_reason(5, dominant, policy, {"revenue": "Umsatz"}) or "")
    two = {"revenue": np.array([30.0, 30.0, 14.0, 13.0, 13.0])}
    assert "zwei größten" in (primary_reason(5, two, policy) or "")
    fine = {"revenue": np.array([25.0, 25.0, 20.0, 15.0, 15.0])}
    assert primary_reason(5, fine, policy) is None


def test_secondary_suppression_hides_what_a_total_would_give_back() -> None:
    relations = [("revenue_total", ["revenue_new", "revenue_used"]), ("gross_profit", ["revenue_total", "cogs"])]
    hidden = secondary_suppression({"revenue_used": "dominant"}, relations)
    assert set(hidden) == {"revenue_used", "revenue_total", "revenue_new", "gross_profit", "cogs"}
    assert hidden["revenue_used"] == "dominant" and "Sekundärsperrung" in hidden["cogs"]
    assert secondary_suppression({}, relations) == {}


def test_released_figures_keep_four_significant_digits() -> None:
    assert rounded(1234567.0) == 1235000.0 and rounded(0.0123456) == 0.01235 and rounded(-98.76543) == -98.77
    assert math.isnan(rounded(float("nan")))


def test_a_ratio_over_a_stock_divides_by_its_average_over_the_span() -> None:
    """Stock turnover of a year: the year's cost of goods over the average of the twelve month ends."""
    from kpi.benchmark import engine_for
    from kpi.catalogue import CATALOGUE
    from kpi.cube import Cube

    engine = engine_for(CATALOGUE, {m.key: m.label_de for m in CATALOGUE})
    keys = [m.key for m in CATALOGUE if m.kind != "derived"]
    months = [date(2025, m, 1) for m in range(1, 13)]
    cube = Cube.empty([1], months, keys)
    for i in range(12):
        values = dict.fromkeys(keys, 10.0)
        values.update(cogs=100.0, stock_new=100.0 * (i + 1), stock_used=0.0, stock_parts=0.0)
        cube.values[0, i] = [values[k] for k in keys]
    year = engine.values(cube, Span.YEAR, date(2025, 12, 1))
    assert year["stock_new"][0] == 1200.0  # the stock itself: at the end of the year
    assert year["stock_turnover"][0] == pytest.approx(1200.0 / 650.0)  # not 1200 / 1200


def test_the_change_of_a_ratio_is_in_points_and_of_a_score_a_difference() -> None:
    from kpi.stats import change_in

    assert change_in("%", 28.28, 29.61) == pytest.approx((-1.33, "Pp."))
    assert change_in("", 0.25, 0.0625) == pytest.approx((0.1875, ""))
    assert change_in("EUR", 110.0, 100.0) == pytest.approx((10.0, "%"))


@pytest.mark.parametrize("span", [Span.MONTH, Span.YTD, Span.R12])
def test_one_metric_from_its_own_inputs_equals_it_among_all(span: Span) -> None:
    """A view of one metric (the Zentrale's roll-ups, a KPI's course) loads only that metric's
    inputs and derives only what it is computed through; every metric comes out as among all."""
    from kpi.benchmark import engine_for
    from kpi.catalogue import CATALOGUE

    engine = engine_for(CATALOGUE, {m.key: m.label_de for m in CATALOGUE})
    keys = sorted(engine.catalogue.base_keys)
    months = [date(2025, m, 1) for m in range(1, 13)]
    rng = np.random.default_rng(7)
    cube = Cube.empty([1, 2, 3], months, keys)
    cube.values[:] = rng.uniform(1.0, 1000.0, cube.values.shape)
    cube.values[2, 3, :] = np.nan  # a partner with a hole: no value for a span across it
    everything = engine.values(cube, span, date(2025, 12, 1))
    monthly = engine.series(cube, months)
    for key in [m.key for m in CATALOGUE]:
        inputs = engine.inputs_of(key)
        narrow = Cube.empty([1, 2, 3], months, inputs)
        narrow.values[:] = cube.values[:, :, [keys.index(k) for k in inputs]]
        alone = engine.values(narrow, span, date(2025, 12, 1), only=key)[key]
        np.testing.assert_allclose(alone, everything[key], equal_nan=True, err_msg=key)
        np.testing.assert_allclose(engine.series(narrow, months, only=key)[key], monthly[key], equal_nan=True)
