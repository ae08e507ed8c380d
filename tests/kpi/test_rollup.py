"""Roll-ups of actuals and targets over the territory tree, by hand."""

from __future__ import annotations

import math

import pytest

from kpi.rollup import Node, roll_up

TREE = {
    "NETZ": Node("NETZ", None),
    "SUED": Node("SUED", "NETZ"),
    "NORD": Node("NORD", "NETZ"),
    "SUED-BY": Node("SUED-BY", "SUED"),
    "SUED-BW": Node("SUED-BW", "SUED"),
    "NORD-SH": Node("NORD-SH", "NORD"),
}
PARTNERS = {1: "SUED-BY", 2: "SUED-BY", 3: "SUED-BW", 4: "NORD-SH"}


def test_actuals_and_targets_add_up_to_every_ancestor_with_attainment() -> None:
    result = roll_up(TREE, PARTNERS, {1: 100.0, 2: 50.0, 3: 90.0, 4: 30.0}, {1: 100.0, 2: 100.0, 3: 100.0, 4: 40.0})
    assert (result["SUED-BY"].actual, result["SUED-BY"].target) == (150.0, 200.0)
    assert result["SUED-BY"].attainment == pytest.approx(75.0)
    assert (result["SUED"].actual, result["SUED"].target, result["SUED"].partners) == (240.0, 300.0, 3)
    assert result["NETZ"].attainment == pytest.approx(270 / 340 * 100)
    assert result["NETZ"].on_target == 1


def test_a_partner_without_actual_or_target_counts_in_neither() -> None:
    result = roll_up(TREE, PARTNERS, {1: 100.0, 2: math.nan, 3: 80.0}, {1: 100.0, 2: 100.0})
    assert (result["SUED-BY"].actual, result["SUED-BY"].target, result["SUED-BY"].partners) == (100.0, 100.0, 1)
    assert result["SUED"].partners == 1  # 3 has an actual but no target
    assert math.isnan(result["NORD"].attainment) and result["NORD"].partners == 0


def test_a_level_rolls_up_as_the_mean_and_lower_is_better_reads_the_right_way() -> None:
    dso = roll_up(TREE, PARTNERS, {1: 50.0, 2: 30.0}, {1: 40.0, 2: 40.0}, summed=False, better="lower")
    assert (dso["SUED-BY"].actual, dso["SUED-BY"].target) == (40.0, 40.0)
    assert dso["SUED-BY"].attainment == pytest.approx(100.0) and dso["SUED-BY"].on_target == 1  # only partner 2
