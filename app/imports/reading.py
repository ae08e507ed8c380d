"""Turning an uploaded CSV or XLSX file into rows of cells."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from itertools import islice
from typing import Any

from openpyxl import load_workbook

from app.web.numbers import parse_de

Cell = str | float | date | None
MAX_ROWS = 100_000
MAX_COLUMNS = 200


class UnreadableFile(ValueError):
    pass


def read_table(filename: str, content: bytes) -> list[list[Cell]]:
    """All rows of the file's first sheet; trailing empty rows dropped."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx(content)
    elif name.endswith((".csv", ".txt")):
        rows = _csv(content)
    else:
        raise UnreadableFile("Bitte eine CSV- oder XLSX-Datei hochladen.")
    while rows and all(c in (None, "") for c in rows[-1]):
        rows.pop()
    if len(rows) > MAX_ROWS:
        raise UnreadableFile(f"Die Datei hat mehr als {MAX_ROWS:,} Zeilen.".replace(",", "."))
    return rows


def _xlsx(content: bytes) -> list[list[Cell]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile("Die XLSX-Datei lässt sich nicht lesen.") from exc
    sheet = book.worksheets[0]
    # Bounded: a small file can declare a huge sheet, and openpyxl pads every row to it.
    rows = [
        [_cell(v) for v in row] for row in sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
    ]
    book.close()
    return rows


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | float):
        return value.strip() if isinstance(value, str) else value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return float(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return str(value)


def _csv(content: bytes) -> list[list[Cell]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("Die CSV-Datei ist weder UTF-8 noch Windows-1252.")
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ";"  # the German default
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [[cell.strip()[:200] or None for cell in row[:MAX_COLUMNS]] for row in islice(rows, MAX_ROWS + 1)]


def number(cell: Cell) -> float:
    """A cell as number: spreadsheet numbers as they are, text in German notation."""
    if isinstance(cell, float):
        return cell
    if isinstance(cell, str):
        return parse_de(cell)
    raise ValueError("keine Zahl")
