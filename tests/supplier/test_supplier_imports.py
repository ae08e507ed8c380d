"""The supplier's own data by API push: real files through dry run and import, refused with row and column."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import httpx

from tests.supplier.files import TODAY, claims_xlsx, open_items_csv, purchases_csv
from tests.support.personas import SignIn, csrf_field
from tests.support.tokens import token_for


def rows(database_url: str, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return db.execute(sql).fetchall()


async def _admin(portal: str, database_url: str) -> httpx.AsyncClient:
    token = await token_for(database_url, "admin")
    return httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"})


async def test_a_datev_open_items_list_goes_through_dry_run_import_and_repeat(portal: str, demo_sqlite: str) -> None:
    before = rows(demo_sqlite, "select count(*) from open_items where settled_on is null")[0][0]
    csv = open_items_csv(
        [(1001, "RE-900001", 12_345.67, 45), (1001, "RE-900002", -200.0, 0), (1002, "RE-900003", 999.5, 10)]
    )
    async with await _admin(portal, demo_sqlite) as api:
        dry = await api.post("/api/v1/imports/open-items?dry_run=1", files={"file": ("op-liste.csv", csv)})
        assert dry.status_code == 200, dry.text
        assert dry.json()["rows_ok"] == 3 and dry.json()["errors"] == [] and dry.json()["changes"] >= 3
        assert rows(demo_sqlite, "select count(*) from open_items where document_no like 'RE-9%'")[0][0] == 0
        done = await api.post("/api/v1/imports/open-items", files={"file": ("op-liste.csv", csv)})
        assert done.status_code == 200 and done.json()["changes"] == dry.json()["changes"]
        again = await api.post("/api/v1/imports/open-items", files={"file": ("op-liste.csv", csv)})
        assert again.json() == {"rows_ok": 3, "errors": [], "changes": 0}
    stored = dict(rows(demo_sqlite, "select document_no, amount from open_items where settled_on is null"))
    assert stored == {"RE-900001": 12345.67, "RE-900002": -200.0, "RE-900003": 999.5}  # the list is complete
    assert (
        before == 0 or rows(demo_sqlite, "select count(*) from open_items where settled_on is not null")[0][0] >= before
    )
    listed = rows(demo_sqlite, "select origin, dry_run, changes from supplier_import_runs order by id")
    assert [(o, bool(d)) for o, d, _ in listed] == [("api", True), ("api", False), ("api", False)]


async def test_an_xlsx_claims_export_is_imported_and_updated_by_claim_number(portal: str, demo_sqlite: str) -> None:
    received = TODAY - timedelta(days=20)
    first = claims_xlsx(
        [
            [1001, "GA-7001", received, "offen", 1200.0, None],
            [1002, "GA-7002", received, "genehmigt", 800.0, TODAY - timedelta(days=5)],
        ]
    )
    later = claims_xlsx(
        [
            [1001, "GA-7001", received, "abgelehnt", 1200.0, TODAY],
            [1002, "GA-7002", received, "genehmigt", 800.0, TODAY - timedelta(days=5)],
        ]
    )
    async with await _admin(portal, demo_sqlite) as api:
        assert (await api.post("/api/v1/imports/warranty-claims", files={"file": ("claims.xlsx", first)})).json()[
            "changes"
        ] == 2
        answer = await api.post("/api/v1/imports/warranty-claims", files={"file": ("claims.xlsx", later)})
    assert answer.json()["changes"] == 1
    assert rows(demo_sqlite, "select status, decided from warranty_claims where claim_no = 'GA-7001'") == [
        ("rejected", TODAY.isoformat())
    ]


async def test_a_broken_file_is_refused_with_row_and_column_and_nothing_is_stored(
    portal: str, demo_sqlite: str
) -> None:
    month = f"{TODAY.year}-{TODAY.month:02d}"
    broken = purchases_csv([(1001, month, "Ersatzteile", 100.0), (99999, month, "Ersatzteile", 1.0)])
    broken += b"1002;13/2026;Traktoren;5\n1003;2026-01;Traktoren;viel\n"
    async with await _admin(portal, demo_sqlite) as api:
        answer = await api.post("/api/v1/imports/purchases", files={"file": ("einkauf.csv", broken)})
        assert answer.status_code == 422
        errors = {(e["row"], e["column"].split(" ")[0]) for e in answer.json()["errors"]}
        assert errors == {(3, "Partnernummer"), (4, "Monat"), (5, "Betrag")}
        assert answer.json()["rows_ok"] == 1
        missing = await api.post(
            "/api/v1/imports/purchases", files={"file": ("x.csv", b"Partnernummer;Monat;Betrag\n1001;2026-01;5\n")}
        )
        assert missing.status_code == 422 and "Warengruppe" in missing.json()["errors"][0]["message"]
        assert (await api.post("/api/v1/imports/rechnungen", files={"file": ("x.csv", b"a")})).status_code == 404
    assert rows(
        demo_sqlite,
        "select count(*) from purchases p join partners q on q.id = p.partner_id "
        "where q.number = 1001 and p.month = '" + date(TODAY.year, TODAY.month, 1).isoformat() + "' "
        "and p.amount = 100.0",
    ) == [(0,)]


async def test_the_administration_uploads_with_a_saved_mapping_and_sees_the_run(
    portal: str, demo_sqlite: str, sign_in: SignIn
) -> None:
    export = "Kunde;Periode;Sparte;Netto\n1001;2026-01;Mähdrescher;1.250,75\n".encode("cp1252")
    async with httpx.AsyncClient(base_url=portal) as admin:
        await sign_in(admin, "admin")
        page = await admin.get("/admin/lieferantendaten")
        saved = await admin.post(
            "/admin/lieferantendaten/quellen",
            data={
                "_csrf_token": csrf_field(page.text),
                "art": "purchases",
                "name": "Navision",
                "feld_partner": "Kunde",
                "feld_month": "Periode",
                "feld_product_group": "Sparte",
                "feld_amount": "Netto",
            },
        )
        assert saved.status_code == 303
        page = await admin.get("/admin/lieferantendaten")
        checked = await admin.post(
            "/admin/lieferantendaten/pruefen",
            data={"_csrf_token": csrf_field(page.text), "art": "purchases", "quelle": "Navision"},
            files={"datei": ("navision.csv", export)},
        )
        assert checked.status_code == 200 and "1 Zeile in Ordnung, 0 Fehler" in checked.text
        done = await admin.post("/admin/lieferantendaten/uebernehmen", data={"_csrf_token": csrf_field(checked.text)})
        assert "Gespeichert: 1 Änderung." in done.text
        runs = await admin.get("/admin/lieferantendaten")
    assert "navision.csv" in runs.text and "importiert" in runs.text and "nur geprüft" in runs.text
    assert rows(demo_sqlite, "select amount, product_group from purchases where product_group = 'Mähdrescher'") == [
        (1250.75, "Mähdrescher")
    ]
