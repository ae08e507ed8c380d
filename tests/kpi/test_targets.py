"""Phasing and attainment of targets (kpi.targets)."""

from __future__ import annotations

import math

import pytest

from kpi.targets import attainment, is_summed, phase, seasonality, span_target


def test_a_yearly_value_follows_the_season_and_adds_up_to_the_cent() -> None:
    prior = [1.0, 1.0, 2.0, 3.0, 3.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0]
    months = phase(100_000.01, True, seasonality(prior))
    assert sum(months) == pytest.approx(100_000.01, abs=1e-6)
    assert months[3] == pytest.approx(15_000, abs=0.01) and months[0] == pytest.approx(5_000, abs=0.01)


def test_without_a_complete_prior_year_a_flow_is_spread_evenly_and_a_level_held() -> None:
    gap = seasonality([1.0] * 11 + [math.nan])
    assert gap is None
    assert phase(1200, True, gap) == [100.0] * 12
    assert phase(24.5, False, seasonality([1.0] * 12)) == [24.5] * 12


def test_what_adds_up() -> None:
    kinds = {"revenue": "flow", "cogs": "flow", "stock": "stock", "margin": ""}
    terms = {"profit": [(1, "revenue"), (-1, "cogs")], "weird": [(1, "revenue"), (1, "stock")]}
    assert is_summed("revenue", kinds, terms) and is_summed("profit", kinds, terms)
    assert not is_summed("stock", kinds, terms) and not is_summed("weird", kinds, terms)
    assert not is_summed("margin", kinds, terms)


def test_attainment_reads_the_direction() -> None:
    assert attainment(110, 100, "higher") == pytest.approx(110)
    assert attainment(50, 40, "lower") == pytest.approx(80)  # DSO 50 days against a target of 40
    assert math.isnan(attainment(math.nan, 100, "higher")) and math.isnan(attainment(0, 40, "lower"))
    assert span_target([1, 2, 3], True, False) == 6 and span_target([5, 7], False, True) == 7
    assert span_target([4, 6], False, False) == 5
