"""Spans of months a KPI is computed over, and the same span a year earlier."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from kpi.months import add_months, month_of


class Span(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YTD = "ytd"
    YEAR = "year"
    R12 = "r12"


SPAN_LABELS = {
    Span.MONTH: "Monat",
    Span.QUARTER: "Quartal",
    Span.HALF: "Halbjahr",
    Span.YTD: "Jahr bis dato",
    Span.YEAR: "Jahr",
    Span.R12: "rollierende 12 Monate",
}


def span_months(span: Span, period: date) -> list[date]:
    """The months of the span that ends with (or contains) `period`, oldest first.

    Quarter, half-year and year are the calendar ones containing `period`; year-to-date
    and rolling 12 months end with it.
    """
    month = month_of(period)
    if span is Span.MONTH:
        return [month]
    if span is Span.R12:
        return [add_months(month, -i) for i in range(11, -1, -1)]
    if span is Span.YTD:
        return [date(month.year, m, 1) for m in range(1, month.month + 1)]
    size = {Span.QUARTER: 3, Span.HALF: 6, Span.YEAR: 12}[span]
    first = (month.month - 1) // size * size + 1
    return [date(month.year, m, 1) for m in range(first, first + size)]


def prior_year(period: date) -> date:
    return add_months(month_of(period), -12)
