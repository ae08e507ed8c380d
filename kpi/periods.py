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


CALENDAR = (Span.QUARTER, Span.HALF, Span.YEAR)


def is_complete(span: Span, period: date, open_month: date) -> bool:
    """Whether a calendar quarter, half or year lies wholly before `open_month` (the month still
    open for entry). The other spans end with the month they are asked for: always complete."""
    return span not in CALENDAR or span_months(span, period)[-1] < month_of(open_month)


def last_complete(span: Span, open_month: date) -> date:
    """The period (a month) naming the newest complete span before `open_month`: for a calendar
    quarter, half or year its last month, for the others the month before."""
    month = add_months(month_of(open_month), -1)
    while not is_complete(span, month, open_month):
        month = add_months(month, -1)
    return span_months(span, month)[-1] if span in CALENDAR else month
