"""Jinja globals and filters: navigation, German numbers, months and dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment

from app.models import utcnow

MONTHS_DE = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
LOCAL = ZoneInfo("Europe/Berlin")


def number_de(value: float | int | None, decimals: int = 0) -> str:
    """1234567.891 -> "1.234.567,89" (decimals=2); None or NaN -> "–"."""
    if value is None or value != value:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def month_de(month: date) -> str:
    return f"{MONTHS_DE[month.month - 1]} {month.year}"


def month_name(month: date) -> str:
    """„November“: the month alone, for buttons like „November erfassen“."""
    return MONTHS_DE[month.month - 1]


UNIT_SIGNS = {"EUR": "€", "Anzahl": "", "Stück": "Stk."}


def value_de(value: float | int | None, unit: str, decimals: int = 0) -> str:
    """A value with its unit as the pages write it: „879.365 €“, „23,4 %“, „41,0 Tage“."""
    if value is None or value != value:
        return "–"
    sign = UNIT_SIGNS.get(unit, unit)
    return f"{number_de(value, decimals)}\u202f{sign}" if sign else number_de(value, decimals)


def count_de(count: int, one: str, many: str) -> str:
    """„1 Wert“, „2 Werte“, „1.200 Partner“."""
    return f"{number_de(count)} {one if count == 1 else many}"


def month_short(month: date) -> str:
    return f"{month.month:02d}/{month.year}"


def datetime_de(moment: datetime | None) -> str:
    return "–" if moment is None else moment.astimezone(LOCAL).strftime("%d.%m.%Y, %H:%M Uhr")


def iso_de(text: str | None) -> str:
    return "–" if not text else datetime_de(datetime.fromisoformat(text))


def date_de(day: date | str | None) -> str:
    """A day as Germans write it: 2026-12-31 -> "31.12.2026"; None -> "–"."""
    if not day:
        return "–"
    value = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def register_filters(env: Environment, nav_for: Callable[[Any], list[Any]]) -> None:
    # Templates ship with the code (a new version restarts the server); checking each included
    # file's time on every render cost a twentieth of the analysis page.
    env.auto_reload = False
    env.globals["nav_for"] = nav_for
    env.globals["now"] = utcnow
    env.filters.update(
        number_de=number_de,
        date_de=date_de,
        month_de=month_de,
        month_short=month_short,
        month_name=month_name,
        value_de=value_de,
        count_de=count_de,
        datetime_de=datetime_de,
        iso_de=iso_de,
    )
