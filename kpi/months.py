"""Calendar months as the unit of reporting: parsing, stepping and ranges."""

from __future__ import annotations

import re
from datetime import date

# ASCII digits only: `\d` and int() also take Arabic-Indic or full-width digits.
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
# Earlier or later years are typing errors, and stepping a year or two back from year 1 fails.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def parse_month(text: str) -> date:
    """`"2026-10"` -> `date(2026, 10, 1)`; ValueError with a German message otherwise."""
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"„{text}“ ist kein Monat im Format JJJJ-MM")
    if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise ValueError(f"{text}: Monate von {FIRST_YEAR} bis {LAST_YEAR} sind möglich.")
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
