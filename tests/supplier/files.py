"""Supplier exports as the systems write them: a DATEV-like open-items CSV, a claims XLSX, purchases."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import Workbook

TODAY = date.today()


def de(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def open_items_csv(items: list[tuple[int, str, float, int]]) -> bytes:
    """DATEV-like: an "EXTF" line first, accounting headers, semicolons, decimal commas, S/H flag, cp1252."""
    lines = [
        '"EXTF";700;21;"Buchungsstapel";13;20261201;;"RE";"";"";1001;12345;20260101;4',
        "Konto;Belegfeld 1;Belegdatum;Fälligkeit;Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;Mahnstufe",
    ]
    for partner, document, amount, overdue_days in items:
        due = TODAY - timedelta(days=overdue_days)
        flag = "S" if amount >= 0 else "H"
        money = f"{abs(amount):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        lines.append(
            f"{partner};{document};{de(due - timedelta(days=30))};{de(due)};{money};{flag};{min(3, overdue_days // 30)}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def claims_xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Partnernummer", "Antragsnummer", "Eingang", "Status", "Betrag", "Erledigt"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def purchases_csv(rows: list[tuple[int, str, str, float]]) -> bytes:
    lines = ["Partnernummer;Monat;Warengruppe;Betrag"]
    lines += [f"{p};{m};{g};{str(a).replace('.', ',')}" for p, m, g, a in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")
