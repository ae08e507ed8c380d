"""Turning an uploaded CSV or XLSX file into rows of cells."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from itertools import islice
from typing import Any

from openpyxl import load_workbook

from app.web.numbers import parse_de

Cell = str | float | date | None
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELL = 1_000  # characters of one cell
# An XLSX is a zip archive: what it unpacks to is checked before any parser opens it.
MAX_UNPACKED = 50 * 1024 * 1024  # bytes, all members together (100,000 rows of figures need some 30 MB)
MAX_RATIO = 100  # unpacked per packed byte of a member; spreadsheets pack 5 to 20 times


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


def check_archive(content: bytes) -> None:
    """Refuse a zip bomb before it is unpacked: by the sizes its members declare (zipfile reads
    no more than a member declares, so a member cannot unpack to more than this either)."""
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile("Die XLSX-Datei lässt sich nicht lesen.") from exc
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED:
        raise UnreadableFile(
            f"Die XLSX-Datei entpackt sich auf {total / 1e6:,.0f} MB; erlaubt sind "
            f"{MAX_UNPACKED / 1e6:,.0f} MB. Bitte in kleineren Teilen hochladen.".replace(",", ".")
        )
    for member in members:
        if member.file_size > MAX_RATIO * max(member.compress_size, 1) and member.file_size > 1024 * 1024:
            raise UnreadableFile(
                "Die XLSX-Datei ist ungewöhnlich stark gepackt (eine sogenannte Zip-Bombe?) und wird nicht geöffnet."
            )


def _xlsx(content: bytes) -> list[list[Cell]]:
    check_archive(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile("Die XLSX-Datei lässt sich nicht lesen.") from exc
    sheet = book.worksheets[0]
    # Bounded: a small file can declare a huge sheet, and openpyxl pads every row to it.
    rows = [
        [_cell(v, r, c) for c, v in enumerate(row, start=1)]
        for r, row in enumerate(sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True), start=1)
    ]
    book.close()
    return rows


def _cell(value: Any, row: int = 0, column: int = 0) -> Cell:
    if isinstance(value, str) and len(value) > MAX_CELL:
        limit = f"{MAX_CELL:,}".replace(",", ".")
        raise UnreadableFile(f"Zeile {row}, Spalte {column}: mehr als {limit} Zeichen in einer Zelle.")
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


def rows_to_json(rows: list[list[Cell]]) -> list[list[object]]:
    """Rows as JSON keeps them (dates as {"d": iso}), for the confirm step."""
    return [[{"d": c.isoformat()} if isinstance(c, date) else c for c in row] for row in rows]


def rows_from_json(stored: list[list[object]]) -> list[list[Cell]]:
    return [
        [date.fromisoformat(str(c["d"])) if isinstance(c, dict) else c for c in row]  # type: ignore[misc]
        for row in stored
    ]
