"""Chart variants: an amount per employee or as a share of revenue is each partner's own ratio."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from kpi.benchmark import engine_for
from kpi.catalogue import CATALOGUE
from kpi.cube import Cube
from kpi.periods import Span

LABELS = {m.key: m.label_de for m in CATALOGUE}
ENGINE = engine_for(CATALOGUE, LABELS, variant_bases=["revenue_new", "stock_new", "revenue_total"])
KEYS = [m.key for m in CATALOGUE if m.kind != "derived"]
MONTHS = [date(2026, m, 1) for m in (1, 2, 3)]
RECORD_KEYS = np.arange(1, 6, dtype=np.uint64) * 0x9E3779B97F4A7C15


def cube(revenues: list[float], staff: list[float]) -> Cube:
    figures = Cube.empty(list(range(len(revenues))), MONTHS, KEYS)
    for p, (revenue, fte) in enumerate(zip(revenues, staff, strict=True)):
        for m in range(len(MONTHS)):
            values = dict.fromkeys(KEYS, 10.0)
            values.update(revenue_new=revenue, fte=fte, stock_new=1000.0 * (m + 1))
            figures.values[p, m] = [values[k] for k in KEYS]
    return figures


def test_the_group_median_per_employee_is_the_median_of_each_partners_ratio() -> None:
    revenues, staff = [300.0, 400.0, 500.0, 350.0, 450.0], [2.0, 5.0, 3.0, 4.0, 2.0]
    cells = ENGINE.benchmark(cube(revenues, staff), list(range(5)), 0, Span.QUARTER, MONTHS[-1], RECORD_KEYS)
    ratios = [3 * r * 12 / 3 / f for r, f in zip(revenues, staff, strict=True)]
    per_employee = cells["revenue_new@je-mitarbeiter"]
    # Released perturbed (a group of five: up to a quarter), but the median of the ratios, not of the amounts.
    exact, of_amounts = float(np.median(ratios)), float(np.median([3 * r for r in revenues]) * 4 / np.median(staff))
    assert per_employee.stats is not None
    assert abs(per_employee.stats.median - exact) < abs(per_employee.stats.median - of_amounts)
    assert per_employee.own is not None and per_employee.own.value == pytest.approx(ratios[0])


def test_a_stock_per_employee_takes_the_average_of_the_month_ends_and_has_no_share_of_revenue() -> None:
    """As every ratio over a stock does (kpi.catalogue); the stock itself shows its value at the end."""
    values = ENGINE.values(cube([100.0] * 5, [2.0] * 5), Span.QUARTER, MONTHS[-1])
    assert values["stock_new"][0] == 3000.0
    assert values["stock_new@je-mitarbeiter"][0] == pytest.approx(2000.0 / 2.0)
    assert "stock_new@umsatzanteil" not in values and "revenue_total@umsatzanteil" not in values
    share = values["revenue_new@umsatzanteil"][0]
    assert share == pytest.approx(300 / (300 + 4 * 30) * 100)


def test_variants_are_protected_like_any_kpi() -> None:
    # One partner with most of the revenue: its per-employee figure must not be released either.
    cells = ENGINE.benchmark(
        cube([9000.0, 100.0, 100.0, 100.0, 100.0], [1.0] * 5), list(range(5)), 1, Span.MONTH, MONTHS[0], RECORD_KEYS
    )
    assert cells["revenue_new@je-mitarbeiter"].hidden is not None
    assert cells["revenue_new@je-mitarbeiter"].stats is None


def test_without_a_headcount_in_the_catalogue_there_are_no_variants() -> None:
    catalogue = [m for m in CATALOGUE if m.key not in ("fte", "revenue_per_fte")]
    engine = engine_for(catalogue, LABELS, variant_bases=["revenue_new"])
    assert engine.variants == {}
