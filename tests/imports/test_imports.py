"""Importing figures from files: dry run first, all or nothing, re-import changes nothing, template round trip."""

from __future__ import annotations

import io
import sqlite3
from datetime import date

import httpx
from openpyxl import load_workbook

from kpi.months import add_months, format_month, month_of
from tests.benchmark.test_benchmark_api import LAST_MONTH, api_as, group_id
from tests.support.personas import SignIn, csrf_field

THIS_MONTH = format_month(month_of(date.today()))
NEXT_MONTH = format_month(add_months(month_of(date.today()), 1))


def db(database_url: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as connection:
        return connection.execute(sql, args).fetchall()


def stored(database_url: str, partner: int, period: str) -> dict[object, object]:
    return dict(
        db(
            database_url,
            """select m.key, f.value from figures f join metrics m on m.id = f.metric_id
        join partners p on p.id = f.partner_id where p.number = ? and f.month = ?""",
            partner,
            period + "-01",
        )
    )


async def upload(client: httpx.AsyncClient, name: str, content: bytes, kind: str | None = None) -> httpx.Response:
    """The import's dry run of a file; `kind` "markt" for market data."""
    page = await client.get("/import")
    data = {"_csrf_token": csrf_field(page.text), **({"art": kind} if kind else {})}
    return await client.post("/import/pruefen", data=data, files={"datei": (name, content)})


async def confirm(client: httpx.AsyncClient, report: httpx.Response) -> httpx.Response:
    return await client.post("/import/uebernehmen", data={"_csrf_token": csrf_field(report.text)})


CSV = (
    f"Partner;Monat;Umsatz Neumaschinen;units_new;Bemerkung\n"
    f"1001;{THIS_MONTH};1.234,50;3;erster\n"
    f"1002;{THIS_MONTH};2000;4;\n"
).encode()


async def test_a_csv_is_checked_then_imported_and_a_second_import_changes_nothing(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as admin:
        await sign_in(admin, "admin")
        report = await upload(admin, "zahlen.csv", CSV)
        assert report.status_code == 200 and "2 Zeilen in Ordnung, 0 Fehler" in report.text
        assert "4 Werte würden sich ändern" in report.text and "„Bemerkung“ ist keine Kennzahl" in report.text
        assert stored(demo_sqlite, 1001, THIS_MONTH) == {}, "the dry run stores nothing"
        done = await confirm(admin, report)
        assert "Import abgeschlossen" in done.text and "2 Partner-Monate geändert" in done.text
        assert stored(demo_sqlite, 1001, THIS_MONTH) == {"revenue_new": 1234.5, "units_new": 3.0}
        before = db(demo_sqlite, "select count(*), sum(revision) from month_reports")
        again = await upload(admin, "zahlen.csv", CSV)
        assert "0 Werte würden sich ändern, 4 sind schon so gespeichert" in again.text
        await confirm(admin, again)
        assert db(demo_sqlite, "select count(*), sum(revision) from month_reports") == before
        assert db(demo_sqlite, "select count(*) from figure_revisions") == [(0,)]


async def test_a_file_with_errors_names_row_and_column_and_stores_nothing(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    bad = (
        f"Partner;Monat;revenue_new;cogs\n1001;{THIS_MONTH};viel;10\n9999;{THIS_MONTH};1;1\n"
        f"1002;{NEXT_MONTH};1;1\n1003;{THIS_MONTH};5;-2\n1004;{THIS_MONTH};7;3\n"
    ).encode()
    async with httpx.AsyncClient(base_url=portal) as admin:
        await sign_in(admin, "admin")
        report = await upload(admin, "fehler.csv", bad)
        refused = await confirm(admin, report)
    assert "1 Zeile in Ordnung, 4 Fehler" in report.text
    assert "<td>2</td><td>C</td>" in report.text and "„viel“ ist keine Zahl" in report.text
    assert "Partner 9999 gibt es nicht" in report.text and "liegt in der Zukunft" in report.text
    assert "Wareneinsatz" in report.text, "the column is named by its label"
    assert refused.status_code == 400
    assert stored(demo_sqlite, 1004, THIS_MONTH) == {}, "all or nothing"


async def test_an_accountant_imports_only_for_the_own_business(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as accountant:
        await sign_in(accountant, "bh1001")
        report = await upload(accountant, "zahlen.csv", CSV)
    assert "1 Zeile in Ordnung, 1 Fehler" in report.text and "Partner 1002" in report.text


async def test_the_yearly_template_round_trips(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    year = date.today().year - 1
    async with httpx.AsyncClient(base_url=portal) as owner:
        await sign_in(owner, "gf1001")
        download = await owner.get(f"/erfassung/1001/vorlage/{year}")
        assert download.status_code == 200 and "spreadsheetml" in download.headers["content-type"]
        book = load_workbook(io.BytesIO(download.content))
        sheet = book.active
        assert sheet["A1"].value == "Partner" and sheet["B1"].value == 1001 and sheet["D4"].value == f"01/{year}"
        untouched = await upload(owner, "vorlage.xlsx", download.content)
        assert "0 Werte würden sich ändern" in untouched.text
        row = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 2).value == "units_new")
        sheet.cell(row, 4 + 11).value = 99  # December
        buffer = io.BytesIO()
        book.save(buffer)
        report = await upload(owner, "vorlage.xlsx", buffer.getvalue())
        assert "1 Wert würde sich ändern" in report.text
        await confirm(owner, report)
    assert stored(demo_sqlite, 1001, f"{year}-12")["units_new"] == 99.0
    assert db(demo_sqlite, "select count(*) from figure_revisions") == [(1,)]


async def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as admin:
        await sign_in(admin, "admin")
        answer = await upload(admin, "zahlen.pdf", b"%PDF-1.4")
        broken = await upload(admin, "kaputt.xlsx", b"not a zip")
    assert answer.status_code == 400 and "CSV- oder XLSX" in answer.text
    assert broken.status_code == 400 and "lässt sich nicht lesen" in broken.text


MARKET = b"PLZ-Bereich;Jahr;Kaufkraftindex;Absatzpotenzial Neumaschinen p. a.\n24;2026;101,5;12.000.000\n84;2026;97;\n"


async def test_market_data_is_imported_by_the_zentrale_only(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as admin:
        await sign_in(admin, "admin")
        report = await upload(admin, "markt.csv", MARKET, "markt")
        assert "2 Zeilen in Ordnung, 0 Fehler" in report.text
        done = await confirm(admin, report)
        assert "Import abgeschlossen" in done.text
        again = await upload(admin, "markt.csv", MARKET, "markt")
        assert "0 Werte würden sich ändern, 3 sind schon so gespeichert" in again.text
    assert db(
        demo_sqlite,
        """select v.value from market_values v join metrics m on m.id = v.metric_id
        where v.area_code = '24' and v.year = 2026 and m.key = 'purchasing_power'""",
    ) == [(101.5,)]
    async with httpx.AsyncClient(base_url=portal) as owner:
        await sign_in(owner, "gf1001")
        refused = await upload(owner, "markt.csv", MARKET, "markt")
    assert refused.status_code == 403


async def test_imported_market_data_reaches_the_groups_figures_at_once(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    """Releases and what they are computed from are kept per process; a market import must not leave
    the group's market share on the old potential."""
    everyone = group_id(demo_sqlite, "Alle Partner")
    period = {"group": everyone, "period": LAST_MONTH, "span": "month"}
    areas = db(
        demo_sqlite,
        "select distinct area_code from market_values where area_kind = 'postal' and year = ?",
        int(LAST_MONTH[:4]),
    )
    doubled = "".join(f"{area};{LAST_MONTH[:4]};100;{2 * 5_000_000 + i}\n" for i, (area,) in enumerate(areas))
    async with await api_as(portal, demo_sqlite, "vertrieb") as api:
        before = (await api.get("/api/v1/benchmark", params=period)).json()["kpis"]["market_share"]
        async with httpx.AsyncClient(base_url=portal) as admin:
            await sign_in(admin, "admin")
            report = await upload(
                admin, "markt.csv", (MARKET.splitlines()[0].decode() + "\n" + doubled).encode(), "markt"
            )
            assert f"{len(areas)} Zeilen in Ordnung, 0 Fehler" in report.text
            assert "Import abgeschlossen" in (await confirm(admin, report)).text
        after = (await api.get("/api/v1/benchmark", params=period)).json()["kpis"]["market_share"]
    assert before["n"] == after["n"] > 5
    assert after["median"] != before["median"]
