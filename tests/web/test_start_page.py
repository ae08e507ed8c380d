"""The start page's content: the KPI tiles the Zentrale chooses, the month to report next, and the
own work (without a browser; tests/browser/test_start_page.py looks at the first screen)."""

from __future__ import annotations

import re
import sqlite3
from datetime import date

import httpx

from kpi.months import add_months, month_of
from tests.support.personas import SignIn, csrf_field


def _tiles(html: str) -> list[str]:
    return re.findall(r'<li class="tile" data-kpi="([a-z_0-9]+)">', html)


async def test_the_zentrale_chooses_the_tiles_of_every_managing_director(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as admin, httpx.AsyncClient(base_url=portal) as director:
        await sign_in(admin, "admin")
        await sign_in(director, "gf1001")
        before = _tiles((await director.get("/")).text)
        assert len(before) == 8
        page = await admin.get("/admin/einstellungen")
        csrf = csrf_field(page.text)
        for bad in (["revenue_total", "erfunden"], [], ["revenue_total", *before, "units_new"]):
            refused = await admin.post("/admin/einstellungen/kennzahlen", data={"_csrf_token": csrf, "kpi": bad})
            assert refused.status_code == 400 and "Bitte 1 bis 8 Kennzahlen" in refused.text, bad
        assert _tiles((await director.get("/")).text) == before, "a refused choice changes nothing"
        saved = await admin.post(
            "/admin/einstellungen/kennzahlen",
            data={"_csrf_token": csrf, "kpi": ["dso", "revenue_total", "utilisation"]},
        )
        assert saved.status_code == 303
        assert _tiles((await director.get("/")).text) == ["revenue_total", "utilisation", "dso"]  # catalogue order
        log = await admin.get("/admin/protokoll")
        assert "start_kpis" in log.text


async def test_the_prompt_names_last_month_until_it_is_reported(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    with sqlite3.connect(demo_sqlite.removeprefix("sqlite+aiosqlite:///")) as db:
        late = db.execute(
            "select p.number from partners p join users u on u.partner_id = p.id where u.username like 'gf%'"
            " and not exists (select 1 from month_reports r where r.partner_id = p.id and r.month = ?)"
            " order by p.number limit 1",
            (_last_month_first_day(),),
        ).fetchone()
    async with httpx.AsyncClient(base_url=portal) as director:
        await sign_in(director, "gf1001")
        page = (await director.get("/")).text
        assert 'id="report-prompt"' in page and "läuft" in page  # 1001 has reported last month
    assert late is not None, "the demo has partners that have not reported last month"
    async with httpx.AsyncClient(base_url=portal) as other:
        await sign_in(other, f"gf{late[0]}")
        page = (await other.get("/")).text
        assert "ist noch nicht gemeldet" in page and "Meldefrist" in page


def _last_month_first_day() -> str:
    return add_months(month_of(date.today()), -1).isoformat()
