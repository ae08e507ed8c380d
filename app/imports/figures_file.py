"""Reading figures from a file: one row per partner and month, or the yearly questionnaire template.

Columns are matched by metric key or German label. The dry run reports rows that are
fine, errors with row and column, and warnings; nothing is stored before the user
confirms, and then everything in one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from app.imports.reading import Cell, number
from app.models import Metric

PARTNER_HEADERS = {"partner", "partnernummer", "partner_no", "partner-nr.", "nr", "nummer"}
MONTH_HEADERS = {"monat", "month", "periode", "period"}
TEMPLATE_MARK = "Partner"
TEMPLATE_HEADER = "Kennzahl"
_MONTH_TEXT = re.compile(r"^(?:(\d{4})-(\d{1,2})|(\d{1,2})[./](\d{4}))$")


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


R = TypeVar("R")


@dataclass
class Checked(Generic[R]):
    """A dry run of a file of rows: the rows it would take, what it refuses and warns of, and
    how many of their values would change."""

    rows: list[R] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows_ok: int = 0
    values_changing: int = 0
    values_unchanged: int = 0

    @property
    def importable(self) -> bool:
        return not self.errors and bool(self.rows)


@dataclass(frozen=True)
class FigureRow:
    row: int
    partner_no: int
    month: date
    values: dict[str, float]


@dataclass
class Parsed:
    rows: list[FigureRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def month_cell(cell: Cell) -> date:
    if isinstance(cell, date):
        return date(cell.year, cell.month, 1)
    match = _MONTH_TEXT.match(str(cell or "").strip())
    if not match:
        raise ValueError(f"„{cell}“ ist kein Monat (JJJJ-MM oder MM/JJJJ)")
    year, month = (
        (int(match.group(1)), int(match.group(2))) if match.group(1) else (int(match.group(4)), int(match.group(3)))
    )
    if not 1 <= month <= 12:
        raise ValueError(f"„{cell}“ ist kein Monat")
    return date(year, month, 1)


def _column_keys(header: list[Cell], metrics: dict[str, Metric]) -> dict[int, str]:
    by_name = {m.key.lower(): m.key for m in metrics.values()} | {m.label_de.lower(): m.key for m in metrics.values()}
    return {i: by_name[str(h).strip().lower()] for i, h in enumerate(header) if h and str(h).strip().lower() in by_name}


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_figures(table: list[list[Cell]], metrics: dict[str, Metric]) -> Parsed:
    is_template = (
        len(table) > 3
        and table[0]
        and str(table[0][0] or "").strip() == TEMPLATE_MARK
        and table[3]
        and str(table[3][0] or "").strip() == TEMPLATE_HEADER
    )
    if is_template:
        return _parse_template(table, metrics)
    return _parse_rows(table, metrics)


def _value(parsed: Parsed, row: int, column: str, cell: Cell) -> float | None:
    if cell is None or cell == "":
        return None
    try:
        return number(cell)
    except ValueError as exc:
        parsed.errors.append(Problem(row, column, str(exc)))
        return None


def _parse_rows(table: list[list[Cell]], metrics: dict[str, Metric]) -> Parsed:
    parsed = Parsed()
    if not table:
        parsed.errors.append(Problem(1, "", "Die Datei ist leer."))
        return parsed
    header = [str(h).strip().lower() if h else "" for h in table[0]]
    partner_col = next((i for i, h in enumerate(header) if h in PARTNER_HEADERS), None)
    month_col = next((i for i, h in enumerate(header) if h in MONTH_HEADERS), None)
    keys = _column_keys(table[0], metrics)
    if partner_col is None or month_col is None:
        parsed.errors.append(Problem(1, "", "Spalten „Partner“ und „Monat“ fehlen in der ersten Zeile."))
        return parsed
    for i, h in enumerate(table[0]):
        if h and i not in keys and i not in (partner_col, month_col):
            parsed.warnings.append(Problem(1, column_letter(i), f"Spalte „{h}“ ist keine Kennzahl und wird ignoriert."))
    for number_in_file, cells in enumerate(table[1:], start=2):
        cells = cells + [None] * (len(table[0]) - len(cells))
        if all(c in (None, "") for c in cells):
            continue
        errors_before = len(parsed.errors)
        try:
            partner_no = int(number(cells[partner_col]))
        except (ValueError, TypeError):
            parsed.errors.append(
                Problem(number_in_file, column_letter(partner_col), f"„{cells[partner_col]}“ ist keine Partnernummer.")
            )
            continue
        try:
            month = month_cell(cells[month_col])
        except ValueError as exc:
            parsed.errors.append(Problem(number_in_file, column_letter(month_col), str(exc)))
            continue
        values = {}
        for i, key in keys.items():
            value = _value(parsed, number_in_file, column_letter(i), cells[i])
            if value is not None:
                values[key] = value
        if len(parsed.errors) == errors_before and values:
            parsed.rows.append(FigureRow(number_in_file, partner_no, month, values))
    return parsed


def _parse_template(table: list[list[Cell]], metrics: dict[str, Metric]) -> Parsed:
    """The questionnaire: B1 the partner number, row 4 the months from column D on, rows below per metric."""
    parsed = Parsed()
    try:
        partner_no = int(number(table[0][1]))
    except (ValueError, TypeError, IndexError):
        parsed.errors.append(Problem(1, "B", "Partnernummer fehlt in Zelle B1."))
        return parsed
    header = table[3] if len(table) > 3 else []
    months: dict[int, date] = {}
    for i, cell in enumerate(header[3:], start=3):
        try:
            month = month_cell(cell)
        except ValueError:
            continue
        if month in months.values():
            parsed.errors.append(Problem(4, column_letter(i), f"Der Monat {cell} steht zweimal in Zeile 4."))
        months[i] = month
    by_month: dict[date, dict[str, float]] = {m: {} for m in months.values()}
    for number_in_file, cells in enumerate(table[4:], start=5):
        key = str(cells[1]).strip() if len(cells) > 1 and cells[1] else ""
        if key not in metrics:
            if key:
                parsed.warnings.append(Problem(number_in_file, "B", f"„{key}“ ist keine Kennzahl; Zeile ignoriert."))
            continue
        for i, month in months.items():
            value = _value(parsed, number_in_file, column_letter(i), cells[i] if i < len(cells) else None)
            if value is not None:
                by_month[month][key] = value
    # Row 4 carries the months; a problem with a whole month is reported there.
    parsed.rows = [FigureRow(4, partner_no, month, values) for month, values in by_month.items() if values]
    return parsed
