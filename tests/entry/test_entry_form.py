"""The monthly entry form: German numbers in, nothing stored on bad input, own business only."""

from __future__ import annotations

import sqlite3
from datetime import date

import httpx
import pytest

from app.web.numbers import parse_de
from kpi.months import add_months, format_month, month_of
from tests.support.personas import SignIn, csrf_field

THIS_MONTH = format_month(month_of(date.today()))
LAST_MONTH = format_month(add_months(month_of(date.today()), -1))


def stored(database_url: str, partner: int, period: str) -> dict[str, float]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        rows = db.execute(
            """select m.key, f.value from figures f join metrics m on m.id = f.metric_id
            join partners p on p.id = f.partner_id where p.number = ? and f.month = ?""",
            (partner, period + "-01"),
        ).fetchall()
    return dict(rows)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.234,56", 1234.56),
        ("1234,5", 1234.5),
        ("1.234.567", 1234567.0),
        ("12.5", 12.5),
        ("0,75", 0.75),
        (" 2 500 ", 2500.0),
        ("-1", -1.0),
        ("−0,5", -0.5),
        ("1234", 1234.0),
        ("0.750", 0.75),
    ],
)
def test_german_numbers_are_read_as_meant(typed: str, value: float) -> None:
    assert parse_de(typed) == value


@pytest.mark.parametrize("typed", ["viel", "1,2,3", "1.23.4", "1e6", "12,", ",", "--1", "1,²", "²", "0.750.000"])
def test_what_is_no_number_says_so(typed: str) -> None:
    with pytest.raises(ValueError, match="keine Zahl"):
        parse_de(typed)


async def test_the_accountant_lands_on_the_own_form_and_saves_german_numbers(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "bh1001")
        start = await browser.get("/erfassung")
        assert start.headers["location"] == f"/erfassung/1001/{THIS_MONTH}"
        page = await browser.get(start.headers["location"])
        assert "Umsatz Neumaschinen" in page.text and "Vormonat:" in page.text and "Forderungen" in page.text
        form = {"_csrf_token": csrf_field(page.text), "revenue_new": "1.234.567,89", "units_new": "12"}
        asked = await browser.post(f"/erfassung/1001/{THIS_MONTH}", data=form)
        assert asked.status_code == 200 and "Ungewöhnliche Werte" in asked.text and "gegenüber" in asked.text
        assert 'class="warning" role="alert"' in asked.text and 'value="1.234.567,89"' in asked.text
        assert stored(demo_sqlite, 1001, THIS_MONTH) == {}, "nothing is stored before the confirmation"
        saved = await browser.post(f"/erfassung/1001/{THIS_MONTH}", data={**form, "bestaetigt": "1"})
        assert saved.status_code == 303
        again = await browser.get(saved.headers["location"])
    assert "gespeichert" in again.text and 'value="1.234.567,89"' in again.text
    assert stored(demo_sqlite, 1001, THIS_MONTH) == {"revenue_new": 1234567.89, "units_new": 12.0}


async def test_a_bad_field_is_named_and_nothing_is_stored(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "bh1001")
        page = await browser.get(f"/erfassung/1001/{THIS_MONTH}")
        answer = await browser.post(
            f"/erfassung/1001/{THIS_MONTH}",
            data={"_csrf_token": csrf_field(page.text), "revenue_new": "100", "cogs": "viel", "stock_new": "-5"},
        )
    assert answer.status_code == 400 and "nichts wurde gespeichert" in answer.text
    assert "„viel“ ist keine Zahl" in answer.text and 'value="viel"' in answer.text
    assert stored(demo_sqlite, 1001, THIS_MONTH) == {}


async def test_nobody_reaches_another_partners_form(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "bh1001")
        other = await browser.get(f"/erfassung/1002/{THIS_MONTH}")
        page = await browser.get(f"/erfassung/1001/{THIS_MONTH}")
        post = await browser.post(
            f"/erfassung/1002/{THIS_MONTH}", data={"_csrf_token": csrf_field(page.text), "units_new": "1"}
        )
    assert other.status_code == 403 and post.status_code == 403


async def test_the_zentrale_chooses_the_partner_it_types_in_for(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "admin")
        chooser = await browser.get("/erfassung")
        form = await browser.get(f"/erfassung/1017/{LAST_MONTH}")
    assert chooser.status_code == 200 and chooser.text.count('<option value="10') == 40
    assert form.status_code == 200 and "Partner 1017" in form.text


async def test_parts_above_their_whole_are_refused(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        page = await browser.get(f"/erfassung/1001/{THIS_MONTH}")
        answer = await browser.post(
            f"/erfassung/1001/{THIS_MONTH}",
            data={
                "_csrf_token": csrf_field(page.text),
                "hours_attendance": "100",
                "hours_productive": "120",
                "receivables": "50",
                "receivables_overdue": "60",
            },
        )
    assert answer.status_code == 400
    assert "Anwesenheitsstunden" in answer.text and "überfälligen Forderungen" in answer.text
    assert stored(demo_sqlite, 1001, THIS_MONTH) == {}


async def test_months_beyond_the_correction_window_are_closed(sign_in: SignIn, portal: str) -> None:
    old = format_month(add_months(month_of(date.today()), -13))
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        page = await browser.get(f"/erfassung/1001/{THIS_MONTH}")
        answer = await browser.post(
            f"/erfassung/1001/{old}", data={"_csrf_token": csrf_field(page.text), "units_new": "77"}
        )
    assert answer.status_code == 400 and "ist abgeschlossen" in answer.text


async def test_the_preview_shows_derived_kpis_while_typing(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "bh1001")
        page = await browser.get(f"/erfassung/1001/{THIS_MONTH}")
        preview = await browser.post(
            f"/erfassung/1001/{THIS_MONTH}/vorschau",
            headers={"HX-Request": "true"},
            data={"_csrf_token": csrf_field(page.text), "hours_attendance": "2.000", "hours_productive": "1.600"},
        )
    assert preview.status_code == 200 and "<html" not in preview.text
    assert "Werkstattauslastung %" in preview.text and "80,0 %" in preview.text


async def test_a_future_or_closed_month_opens_read_only_with_the_reason(sign_in: SignIn, portal: str) -> None:
    future = format_month(add_months(month_of(date.today()), 1))
    closed = format_month(add_months(month_of(date.today()), -14))
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        for period, reason in ((future, "liegt in der Zukunft"), (closed, "ist abgeschlossen")):
            page = await browser.get(f"/erfassung/1001/{period}")
            assert page.status_code == 200 and reason in page.text, period
            assert 'id="revenue_new"' in page.text and " readonly" in page.text
            assert ">Speichern</button>" not in page.text, "no save button where nothing can be saved"
        open_month = await browser.get(f"/erfassung/1001/{THIS_MONTH}")
        assert 'id="locked"' not in open_month.text and ">Speichern</button>" in open_month.text
