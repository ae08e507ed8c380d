"""Every catalogue formula on a hand-computed dealer, and what the parser refuses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kpi.catalogue import CATALOGUE, DERIVED, Kind
from kpi.catalogue_check import CompiledCatalogue
from kpi.formula import FormulaError, additive_terms, evaluate, parse

BASE = [m.key for m in CATALOGUE if m.kind is not Kind.DERIVED]
COMPILED = CompiledCatalogue(BASE, {m.key: m.formula or "" for m in DERIVED})

# One quarter (3 months) of a dealer, aggregated, and a second dealer with gaps and zeros.
DEALER = {
    "revenue_new": 600_000.0,
    "revenue_used": 150_000.0,
    "revenue_parts": 120_000.0,
    "revenue_workshop": 100_000.0,
    "revenue_other": 30_000.0,
    "cogs": 780_000.0,
    "units_new": 7.0,
    "order_backlog": 900_000.0,
    "stock_new": 500_000.0,
    "stock_used": 200_000.0,
    "stock_parts": 100_000.0,
    "hours_attendance": 2_000.0,
    "hours_productive": 1_600.0,
    "warranty_claims": 40.0,
    "warranty_approved": 36.0,
    "warranty_value": 20_000.0,
    "warranty_days": 20.0,
    "receivables": 400_000.0,
    "receivables_overdue": 60_000.0,
    "personnel_costs": 150_000.0,
    "operating_costs": 60_000.0,
    "marketing_spend": 8_000.0,
    "fte": 25.0,
    "fte_service": 10.0,
    "apprentices": 2.0,
    "sales_area": 2_000.0,
    "customers_active": 500.0,
    "expectation": 0.5,
    "purchasing_power": 104.0,
    "sales_potential": 8_000_000.0,
}
# revenue_total = 1,000,000 over 3 months
EXPECTED = {
    "revenue_total": 1_000_000.0,
    "gross_profit": 220_000.0,
    "gross_margin": 22.0,
    "revenue_per_fte": 1_000_000 * 12 / 3 / 25,  # 160,000 per year and employee
    "revenue_per_m2": 1_000_000 * 12 / 3 / 2_000,  # 2,000
    "aftersales_share": 22.0,
    "utilisation": 80.0,
    "rate_per_hour": 62.5,
    "stock_turnover": 780_000 * 12 / 3 / 800_000,  # 3.9
    "backlog_months": 900_000 / (600_000 / 3),  # 4.5 months
    "dso": 400_000 / (1_000_000 * 12 / 3) * 365,  # 36.5 days
    "overdue_share": 15.0,
    "warranty_rate": 90.0,
    "warranty_share": 20.0,
    "personnel_ratio": 15.0,
    "operating_result": 10_000.0,
    "result_ratio": 1.0,
    "marketing_ratio": 0.8,
    "revenue_per_customer": 1_000_000 * 12 / 3 / 500,  # 8,000
    "market_share": 600_000 * 12 / 3 / 8_000_000 * 100,  # 30 %
}


def test_the_catalogue_has_a_hand_computed_case_for_every_formula() -> None:
    assert set(EXPECTED) == {m.key for m in DERIVED}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_each_formula_gives_the_hand_computed_value(key: str) -> None:
    inputs = {name: np.array([value]) for name, value in DEALER.items()}
    assert COMPILED.derive(inputs, months=3)[key][0] == pytest.approx(EXPECTED[key])


def test_a_whole_vector_of_partners_is_computed_at_once() -> None:
    inputs = {name: np.array([value, value * 2, value]) for name, value in DEALER.items()}
    inputs["fte"] = np.array([25.0, 50.0, 0.0])
    result = COMPILED.derive(inputs, months=3)
    assert result["revenue_per_fte"][:2] == pytest.approx([160_000.0, 160_000.0])
    assert math.isnan(result["revenue_per_fte"][2]), "division by zero is no value, not 0 or infinity"


def test_a_missing_input_gives_no_value_and_not_zero() -> None:
    inputs = {name: np.array([value]) for name, value in DEALER.items() if name != "cogs"}
    result = COMPILED.derive(inputs, months=3)
    assert math.isnan(result["gross_profit"][0]) and math.isnan(result["gross_margin"][0])
    assert result["revenue_total"][0] == 1_000_000.0
    inputs["revenue_new"] = np.array([np.nan])
    assert math.isnan(COMPILED.derive(inputs, months=3)["revenue_total"][0])


def test_zero_divided_by_zero_is_no_value() -> None:
    assert math.isnan(evaluate(parse("a / b"), {"a": np.array([0.0]), "b": np.array([0.0])})[0])


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('x')",
        "a.b",
        "a ** 2",
        "f(a)",
        "a if b else c",
        "[a]",
        "a // b",
        "'text'",
        "a and b",
        "True + 1",
    ],
)
def test_only_arithmetic_over_names_and_numbers_is_accepted(text: str) -> None:
    with pytest.raises(FormulaError):
        parse(text)


def test_unknown_names_are_refused_naming_them() -> None:
    with pytest.raises(FormulaError, match=r"margin_x kennt umsatz, wareneinsatz nicht"):
        CompiledCatalogue(["revenue_new"], {"margin_x": "(umsatz - wareneinsatz) / revenue_new"})


def test_cycles_are_refused_naming_the_path() -> None:
    with pytest.raises(FormulaError, match=r"Zirkelbezug.*a → b → c → a"):
        CompiledCatalogue(["x"], {"a": "b + x", "b": "c * 2", "c": "a - 1"})


def test_months_is_available_to_formulas_and_dependencies_are_traced() -> None:
    assert COMPILED.dependencies("result_ratio") == {
        "revenue_new",
        "revenue_used",
        "revenue_parts",
        "revenue_workshop",
        "revenue_other",
        "cogs",
        "personnel_costs",
        "operating_costs",
    }
    assert additive_terms(parse("gross_profit - personnel_costs - operating_costs")) == [
        (1, "gross_profit"),
        (-1, "personnel_costs"),
        (-1, "operating_costs"),
    ]
    assert additive_terms(parse("a / b")) is None
