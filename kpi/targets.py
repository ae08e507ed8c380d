"""Targets (Zielvereinbarung) as numbers: phasing a yearly value over the months, a span's target,
attainment, and which metrics add up over months and partners.

A target exists only for a metric with a direction (better higher or lower). A summed metric
(a flow such as revenue, or a sum or difference of flows such as gross profit) is phased by
the partner's prior-year seasonality and adds up; any other (a ratio, a stock, an average) is
a level that holds in every month.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

MONTHS = 12


def is_summed(key: str, time_kinds: Mapping[str, str], base_terms: Mapping[str, list[tuple[int, str]]]) -> bool:
    """Whether the metric adds up over months and partners."""
    if key in base_terms:
        return all(time_kinds.get(name) == "flow" for _, name in base_terms[key])
    return time_kinds.get(key) == "flow"


def seasonality(prior: Sequence[float]) -> list[float] | None:
    """Each month's share of a year from twelve prior-year values; None if one is missing or the sum is 0."""
    if len(prior) != MONTHS or any(math.isnan(v) or v < 0 for v in prior):
        return None
    total = sum(prior)
    return [v / total for v in prior] if total > 0 else None


def phase(yearly: float, summed: bool, *shares: list[float] | None) -> list[float]:
    """Twelve monthly targets: a summed metric split by the first seasonality given (else evenly),
    a level the same in every month. Rounded to cents; the months add up to the yearly value."""
    if not summed:
        return [yearly] * MONTHS
    share = next((s for s in shares if s is not None), [1 / MONTHS] * MONTHS)
    months = [round(yearly * s, 2) for s in share]
    months[-1] = round(yearly - sum(months[:-1]), 2)
    return months


def yearly_of(months: Sequence[float], summed: bool) -> float:
    """The year's target of twelve monthly ones: their sum, or for a level their mean."""
    return sum(months) if summed else sum(months) / len(months)


def span_target(months: Sequence[float], summed: bool, stock: bool) -> float:
    """The target of a span from its months' targets: summed, the last month's for a stock, else the mean."""
    if summed:
        return sum(months)
    return months[-1] if stock else sum(months) / len(months)


def attainment(actual: float, target: float, better: str | None) -> float:
    """Actual against target in % (100 = on target); for "lower is better" target / actual. NaN if undefined."""
    if math.isnan(actual) or math.isnan(target):
        return math.nan
    if better == "lower":
        return target / actual * 100 if actual > 0 else math.nan
    return actual / target * 100 if target > 0 else math.nan
