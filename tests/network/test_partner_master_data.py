"""A partner's master data over the API: read by whoever may see the partner, changed by the administration."""

from __future__ import annotations

import sqlite3

import httpx

from tests.support.personas import SignIn, csrf_field
from tests.support.tokens import token_for


async def _api(portal: str, database_url: str, username: str) -> httpx.AsyncClient:
    token = await token_for(database_url, username)
    return httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"})


CHANGE = {
    "addresses": [{"kind": "main", "street": "Hofweg 3", "postal_code": "24103", "city": "Kiel"}],
    "contacts": [
        {"name": "Hanna Hof", "role": "Geschäftsführerin", "phone": "+49 431 12345", "email": "h@hof.example"},
        {"name": "Tim Teil", "role": "Teiledienst", "consent": True},
    ],
    "contract": {
        "type": "vertragshaendler",
        "since": "2011-04-01",
        "brands": ["Fendt", "Claas"],
        "credit_limit": 250000,
    },
    "staff": [
        {"role": "territory_manager", "username": "gebiet-sued"},
        {"role": "receivables", "username": "debitoren"},
    ],
}


async def test_the_administration_changes_contacts_and_everyone_allowed_reads_them(
    portal: str, demo_sqlite: str
) -> None:
    async with await _api(portal, demo_sqlite, "admin") as admin:
        changed = await admin.patch("/api/v1/partners/1001", json=CHANGE)
        assert changed.status_code == 200, changed.text
        data = changed.json()
        assert [c["name"] for c in data["contacts"]] == ["Hanna Hof", "Tim Teil"]
        assert data["contract"]["brands"] == ["Fendt", "Claas"] and data["contract"]["credit_limit"] == 250000
        assert {s["role"]: s["username"] for s in data["staff"]} == {
            "territory_manager": "gebiet-sued",
            "receivables": "debitoren",
        }
        # Only the contract's type changes: the rest of it, and the other parts, stay.
        again = (await admin.patch("/api/v1/partners/1001", json={"contract": {"type": "servicepartner"}})).json()
        assert again["contract"]["brands"] == ["Fendt", "Claas"] and len(again["contacts"]) == 2
    async with await _api(portal, demo_sqlite, "gf1001") as owner:
        mine = (await owner.get("/api/v1/partners/1001")).json()
    assert mine["contacts"][0]["email"] == "h@hof.example"
    assert mine["contract"]["credit_limit"] == 250000
    async with await _api(portal, demo_sqlite, "debitoren") as receivables:
        theirs = (await receivables.get("/api/v1/partners/1001")).json()["contract"]
    assert theirs["credit_limit"] == 250000 and "coop_budget" not in theirs  # marketing's, not theirs
    async with await _api(portal, demo_sqlite, "vertrieb") as sales:
        assert (await sales.patch("/api/v1/partners/1001", json={"contacts": []})).status_code == 403
        assert (await sales.get("/api/v1/partners/99999")).status_code == 404
    async with await _api(portal, demo_sqlite, "gebiet-sued") as south:
        assert (await south.get("/api/v1/partners/1001")).status_code == 403  # not in Süd


async def test_refused_master_data_names_the_field_and_stores_nothing(portal: str, demo_sqlite: str) -> None:
    async with await _api(portal, demo_sqlite, "admin") as admin:
        before = (await admin.get("/api/v1/partners/1002")).json()
        for change, field in [
            ({"contacts": [{"name": "", "email": "x"}]}, "contacts[0].name"),
            ({"contacts": [{"name": "A", "email": "kein-at"}]}, "contacts[0].email"),
            (
                {"addresses": [{"kind": "main", "street": "A 1", "postal_code": "123", "city": "B"}]},
                "addresses[0].postal_code",
            ),
            ({"contract": {"type": "freund"}}, "contract.type"),
            ({"contacts": [{"name": "Admin\u202e"}]}, "contacts[0].name"),
            ({"contract": {"since": "2099-01-01"}}, "contract.since"),
            ({"staff": [{"role": "receivables", "username": "gf1001"}]}, "staff[0].username"),
            ({"staff": [{"role": "chef", "username": "admin"}]}, "staff[0].role"),
        ]:
            answer = await admin.patch("/api/v1/partners/1002", json=change)
            assert answer.status_code == 422, (change, answer.text)
            assert field in {e["key"] for e in answer.json()["extra"]}, answer.json()
        assert (await admin.patch("/api/v1/partners/1002", json={"unbekannt": 1})).status_code == 400
        assert (await admin.get("/api/v1/partners/1002")).json() == before


async def test_the_admin_keeps_contacts_on_the_page_and_the_partner_file_shows_them(
    portal: str, demo_sqlite: str, sign_in: SignIn
) -> None:
    with sqlite3.connect(demo_sqlite.removeprefix("sqlite+aiosqlite:///")) as db:
        ((partner_id,),) = db.execute("select id from partners where number = 1003").fetchall()
    page_url = f"/admin/partner/{partner_id}/stammdaten"
    async with httpx.AsyncClient(base_url=portal) as admin:
        await sign_in(admin, "admin")
        page = await admin.get(page_url)
        assert 'name="staff_territory_manager"' in page.text and 'name="c0_name"' in page.text
        form = {
            "_csrf_token": csrf_field(page.text),
            "contact_rows": "2",
            "c0_name": "Greta Grün",
            "c0_email": "greta@example.org",
            "c0_role": "Inhaberin",
            "c0_consent": "1",
            "main_street": "Feldweg 1",
            "main_postal_code": "80331",
            "main_city": "München",
            "contract_type": "vertragshaendler",
            "brands": "Fendt, Krone",
            "credit_limit": "150.000,00",
            "staff_marketing": "vertrieb",
        }
        saved = await admin.post(page_url, data=form)
        assert saved.status_code == 303, saved.text
        form["c0_email"] = "kaputt"
        refused = await admin.post(page_url, data=form)
        assert refused.status_code == 400 and "contacts[0].email" in refused.text
        file = await admin.get("/zentrale/partner/1003")
    assert (
        "Greta Grün" in file.text
        and "greta@example.org" in file.text
        and "Marketing:</strong> Vera Vertrieb" in file.text
    )
    assert "Stammdaten geändert" in file.text  # the history
