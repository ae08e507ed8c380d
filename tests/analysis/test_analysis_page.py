"""The analysis page: KPI overview against a group, selectors in the URL, hidden cells, exports."""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import date

import httpx
from openpyxl import load_workbook

from kpi.months import add_months, format_month, month_of
from tests.support.personas import SignIn

LAST_MONTH = format_month(add_months(month_of(date.today()), -1))


def group_id(database_url: str, name: str) -> int:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return int(db.execute("select id from comparison_groups where name = ?", (name,)).fetchone()[0])


async def test_the_managing_director_sees_every_kpi_against_the_group(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        page = await browser.get("/analyse", params={"gruppe": everyone, "monat": LAST_MONTH, "spanne": "ytd"})
    assert page.status_code == 200 and "Betriebsvergleich" in page.text
    rows = re.findall(r'<tr class="q-(\w+)" data-key="(\w+)">', page.text)
    assert len(rows) >= 40 and {"utilisation", "gross_margin", "dso"} <= {key for _, key in rows}
    assert {quartile for quartile, _ in rows} >= {"top", "bottom"}
    assert "Jahr bis dato" in page.text and re.search(r"\d+ von \d+", page.text)


async def test_a_small_group_shows_why_its_figures_are_hidden(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    small = group_id(demo_sqlite, "ERFA-Kreis Werkstatt")
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        partial = await browser.get(
            "/analyse",
            params={"gruppe": small, "monat": LAST_MONTH, "spanne": "month"},
            headers={"HX-Request": "true", "HX-Target": "analysis"},
        )
    assert partial.status_code == 200 and "<html" not in partial.text
    assert partial.text.count("Zu wenige Partner mit Werten (n = 4") >= 40


async def test_the_shown_table_exports_as_csv_and_xlsx(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    params = {"gruppe": everyone, "monat": LAST_MONTH, "spanne": "month"}
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        as_csv = await browser.get("/analyse/export/csv", params=params)
        as_xlsx = await browser.get("/analyse/export/xlsx", params=params)
    lines = as_csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Alle Partner · Monat bis")  # what the file holds, as in the XLSX
    assert lines[1].startswith("Kennzahl;Einheit;Eigener Wert") and any(
        line.startswith("Werkstattauslastung %;") for line in lines
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet["A2"].value == "Kennzahl" and sheet.max_row == len(lines)


async def test_receivables_staff_see_their_domain_and_the_accountant_no_analysis(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as staff:
        await sign_in(staff, "debitoren")
        page = await staff.get("/analyse")
    async with httpx.AsyncClient(base_url=portal) as accountant:
        await sign_in(accountant, "bh1001")
        refused = await accountant.get("/analyse")
    assert {key for _, key in re.findall(r'<tr class="q-(\w+)" data-key="(\w+)">', page.text)} == {
        "receivables",
        "receivables_overdue",
        "dso",
        "overdue_share",
    }
    assert refused.status_code == 403
