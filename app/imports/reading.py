"""Turning an uploaded CSV or XLSX file into rows of cells."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from app.web.numbers import parse_de

Cell = str | float | date | None
MAX_ROWS = 100_000


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
    rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
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
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";"
    return [[cell.strip() or None for cell in row] for row in csv.reader(io.StringIO(text), dialect)]


def number(cell: Cell) -> float:
    """A cell as number: spreadsheet numbers as they are, text in German notation."""
    if isinstance(cell, float):
        return cell
    if isinstance(cell, str):
        return parse_de(cell)
    raise ValueError("keine Zahl")
