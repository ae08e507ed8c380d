"""Targets for the whole network from a spreadsheet: dry run, all or nothing, the second import changes nothing."""

from __future__ import annotations

import io
from datetime import date

import httpx
from openpyxl import Workbook, load_workbook

from tests.support.personas import SignIn, csrf_field
from tests.support.tokens import token_for

YEAR = date.today().year + 1
PAGE = "/zentrale/ziele/import"


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _upload(client: httpx.AsyncClient, content: bytes, name: str = "ziele.xlsx") -> httpx.Response:
    page = await client.get(PAGE)
    return await client.post(
        f"{PAGE}/pruefen", data={"_csrf_token": csrf_field(page.text)}, files={"datei": (name, content)}
    )


async def _confirm(client: httpx.AsyncClient, report: httpx.Response) -> httpx.Response:
    return await client.post(f"{PAGE}/uebernehmen", data={"_csrf_token": csrf_field(report.text)})


GOOD = [
    ["Partnernummer", "Jahr", "Kennzahl", "Jahreswert", *[f"{m:02d}" for m in range(1, 13)]],
    [1001, YEAR, "revenue_new", 2_400_000],
    [1002, YEAR, "Umsatz Ersatzteile", 900_000],
    [1003, YEAR, "dso", 40],
    [1004, YEAR, "units_new", None, *[3] * 12],
]


async def test_a_network_file_is_checked_imported_and_a_second_time_changes_nothing(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as zentrale:
        await sign_in(zentrale, "vertrieb")
        report = await _upload(zentrale, xlsx(GOOD))
        assert report.status_code == 200 and "4 Zeilen in Ordnung, 0 Fehler" in report.text
        done = await _confirm(zentrale, report)
        assert "Gespeichert: 4 Ziel(e) geändert" in done.text
        again = await _confirm(zentrale, await _upload(zentrale, xlsx(GOOD)))
        assert "Gespeichert: 0 Ziel(e) geändert" in again.text
        template = await zentrale.get(f"/zentrale/ziele/vorlage/{YEAR}")
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert sheet is not None
    rows = {(r[0], r[3]): r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[(1001, "revenue_new")][5] == 2_400_000 and rows[(1004, "units_new")][6:] == (3,) * 12
    token = await token_for(demo_sqlite, "vertrieb")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        targets = (await api.get(f"/api/v1/partners/1003/targets/{YEAR}")).json()
    assert targets["dso"]["state"] == "proposed" and set(targets["dso"]["months"].values()) == {40}


async def test_a_broken_file_names_row_and_column_and_stores_nothing(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    broken = [
        *GOOD,
        [1005, YEAR, "cogs", 10],  # no direction
        [9999, YEAR, "revenue_new", 10],  # no such partner
        [1006, YEAR, "revenue_new", "viel"],
        [1007, YEAR, "units_new", None, 1, 2],  # two of twelve months
        [1001, YEAR, "revenue_new", 5],  # twice
    ]
    async with httpx.AsyncClient(base_url=portal) as zentrale:
        await sign_in(zentrale, "vertrieb")
        report = await _upload(zentrale, xlsx(broken))
        text = report.text
        assert "Fehler – so wird nichts importiert" in text
        for row, words in [(6, "cogs"), (7, "9999"), (8, "viel"), (9, "zwölf Monate"), (10, "Zeile 2")]:
            assert f"<tr><td>{row}</td>" in text and words in text, (row, words)
        refused = await _confirm(zentrale, report)
        assert refused.status_code == 400
    token = await token_for(demo_sqlite, "vertrieb")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        assert (await api.get(f"/api/v1/partners/1001/targets/{YEAR}")).json() == {}


async def test_a_territory_manager_imports_only_for_its_partners(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as south:
        await sign_in(south, "gebiet-sued")
        report = await _upload(south, xlsx(GOOD[:2]))  # 1001 is not in Süd
    assert "dürfen Sie dieses Ziel nicht vorgeben" in report.text
