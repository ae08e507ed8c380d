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
    cells = ENGINE.benchmark(cube, members=[0, 1, 2, 3, 4], own=0, span=Span.MONTH, period=MONTH)
    utilisation = cells["utilisation"]
    assert utilisation.hidden is None and utilisation.stats is not None
    assert utilisation.stats.n == 5 and utilisation.stats.median == 72.0
    assert utilisation.own is not None and (utilisation.own.rank, utilisation.own.value) == (5, 70.0)
    assert cells["revenue_new"].change == pytest.approx(100 / 90 * 100 - 100)


def test_a_group_of_four_shows_nothing_and_says_why() -> None:
    cells = ENGINE.benchmark(cube_of([100.0] * 6), members=[0, 1, 2, 3], own=0, span=Span.MONTH, period=MONTH)
    assert all(cell.stats is None for cell in cells.values())
    assert "n = 4" in (cells["gross_margin"].hidden or "")
    assert cells["gross_margin"].own is not None, "the own value stays visible"


def test_a_dominant_dealer_hides_what_rests_on_its_revenue_and_totals_follow() -> None:
    cells = ENGINE.benchmark(
        cube_of([1000.0, 100.0, 100.0, 100.0, 100.0]), members=[0, 1, 2, 3, 4], own=1, span=Span.MONTH, period=MONTH
    )
    assert "Umsatz Neumaschinen" in (cells["revenue_new"].hidden or "")
    assert cells["gross_margin"].hidden is not None
    assert cells["utilisation"].hidden is None, "hours are evenly spread, so utilisation is shown"
    assert "Sekundärsperrung" in (cells["revenue_used"].hidden or "")


def test_missing_months_are_no_value_for_the_span_not_zero() -> None:
    cube = cube_of([100.0, 110.0, 120.0, 130.0, 140.0])
    cube.values[0, 1, KEYS.index("cogs")] = np.nan
    cells = ENGINE.benchmark(cube, members=[0, 1, 2, 3, 4], own=0, span=Span.MONTH, period=MONTH)
    assert cells["gross_margin"].own is None
    assert cells["gross_margin"].hidden is not None, "four contributors left"
