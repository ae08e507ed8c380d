"""Calendar months as the unit of reporting: parsing, stepping and ranges."""

from __future__ import annotations

import re
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    """`"2026-10"` -> `date(2026, 10, 1)`; ValueError with a German message otherwise."""
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"„{text}“ ist kein Monat im Format JJJJ-MM")
    return date(int(match.group(1)), int(match.group(2)), 1)


def format_month(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_of(day: date) -> date:
    return date(day.year, day.month, 1)


def months_back(last: date, count: int) -> list[date]:
    """The `count` months ending with `last`, oldest first."""
    return [add_months(month_of(last), -i) for i in range(count - 1, -1, -1)]
