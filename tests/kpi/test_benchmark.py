"""A group's benchmark: released and hidden cells with reasons, the own rank within the group."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from kpi.benchmark import engine_for
from kpi.catalogue import CATALOGUE
from kpi.cube import Cube
from kpi.periods import Span

ENGINE = engine_for(CATALOGUE, {m.key: m.label_de for m in CATALOGUE})
MONTH = date(2026, 5, 1)
KEYS = [m.key for m in CATALOGUE if m.kind != "derived"]
RECORD_KEYS = np.random.default_rng(7).integers(0, 2**63, size=5, dtype=np.int64).astype(np.uint64)


def cube_of(revenues: list[float]) -> Cube:
    """Partners that differ only in size (new-machine revenue), one month and its prior-year month."""
    cube = Cube.empty(list(range(len(revenues))), [date(2025, 5, 1), MONTH], KEYS)
    for p, revenue in enumerate(revenues):
        for m, factor in enumerate((0.9, 1.0)):
            values = dict.fromkeys(KEYS, 10.0)
            values.update(
                revenue_new=revenue * factor,
                cogs=revenue * factor * 0.8,
                hours_attendance=100.0,
                hours_productive=70.0 + p,
                expectation=0.0,
            )
            cube.values[p, m] = [values[k] for k in KEYS]
    return cube


def test_a_balanced_group_is_released_and_the_own_rank_counts_within_the_group() -> None:
    cube = cube_of([100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 160.0])
    cells = ENGINE.benchmark(cube, [0, 1, 2, 3, 4], 0, Span.MONTH, MONTH, RECORD_KEYS)
    utilisation = cells["utilisation"]
    assert utilisation.hidden is None and utilisation.stats is not None
    # Released perturbed: near the exact median of 72 (a quarter of the range at most), never a member's value.
    assert utilisation.stats.n == 5 and 71.0 <= utilisation.stats.median <= 73.0
    assert utilisation.stats.median not in (70.0, 71.0, 72.0, 73.0, 74.0)
    assert utilisation.own is not None and utilisation.own.value == 70.0 and 1 <= utilisation.own.rank <= 5
    assert cells["revenue_new"].change == pytest.approx(100 / 90 * 100 - 100)


def test_the_same_members_and_figures_always_give_the_same_release() -> None:
    cube = cube_of([100.0, 110.0, 120.0, 130.0, 140.0])
    once = ENGINE.benchmark(cube, [0, 1, 2, 3, 4], None, Span.MONTH, MONTH, RECORD_KEYS)
    again = ENGINE.benchmark(cube, [4, 3, 2, 1, 0], None, Span.MONTH, MONTH, RECORD_KEYS[::-1])
    assert {k: repr(c.stats) for k, c in once.items()} == {k: repr(c.stats) for k, c in again.items()}


def test_a_total_adds_up_from_its_released_terms() -> None:
    cells = ENGINE.benchmark(
        cube_of([100.0, 110.0, 120.0, 130.0, 140.0]), [0, 1, 2, 3, 4], None, Span.MONTH, MONTH, RECORD_KEYS
    )
    parts = ("revenue_new", "revenue_used", "revenue_parts", "revenue_workshop", "revenue_other")
    means = {k: cells[k].stats.mean for k in (*parts, "revenue_total", "cogs", "gross_profit")}  # type: ignore[union-attr]
    # Four significant digits each: the sums agree to the rounding.
    assert means["revenue_total"] == pytest.approx(sum(means[k] for k in parts), rel=1e-3)
    assert means["gross_profit"] == pytest.approx(means["revenue_total"] - means["cogs"], rel=2e-3)


def test_a_metric_without_a_direction_has_no_rank_and_no_best_quarter() -> None:
    cells = ENGINE.benchmark(
        cube_of([100.0, 110.0, 120.0, 130.0, 140.0] * 2),
        list(range(10)),
        0,
        Span.MONTH,
        MONTH,
        np.arange(10, dtype=np.uint64) * 977,
    )
    marketing = cells["marketing_ratio"]
    assert marketing.stats is not None and marketing.stats.best_n == 0 and np.isnan(marketing.stats.best)
    assert marketing.own is not None and marketing.own.rank == 0
    assert cells["revenue_total"].stats is not None and cells["revenue_total"].stats.best_n == 3


def test_a_group_of_four_shows_nothing_and_says_why() -> None:
    cells = ENGINE.benchmark(cube_of([100.0] * 6), [0, 1, 2, 3], 0, Span.MONTH, MONTH, RECORD_KEYS[:4])
    assert all(cell.stats is None for cell in cells.values())
    assert "n = 4" in (cells["gross_margin"].hidden or "")
    assert cells["gross_margin"].own is not None, "the own value stays visible"


def test_a_dominant_dealer_hides_what_rests_on_its_revenue_and_totals_follow() -> None:
    cells = ENGINE.benchmark(
        cube_of([1000.0, 100.0, 100.0, 100.0, 100.0]), [0, 1, 2, 3, 4], 1, Span.MONTH, MONTH, RECORD_KEYS
    )
    assert "Umsatz Neumaschinen" in (cells["revenue_new"].hidden or "")
    assert cells["gross_margin"].hidden is not None
    assert cells["utilisation"].hidden is None, "hours are evenly spread, so utilisation is shown"
    assert "Sekundärsperrung" in (cells["revenue_used"].hidden or "")


def test_missing_months_are_no_value_for_the_span_not_zero() -> None:
    cube = cube_of([100.0, 110.0, 120.0, 130.0, 140.0])
    cube.values[0, 1, KEYS.index("cogs")] = np.nan
    cells = ENGINE.benchmark(cube, [0, 1, 2, 3, 4], 0, Span.MONTH, MONTH, RECORD_KEYS)
    assert cells["gross_margin"].own is None
    assert cells["gross_margin"].hidden is not None, "four contributors left"
