"""Users over the API and territories in the admin: the IT syncs users, a scoped user sees its territories."""

from __future__ import annotations

import re

import httpx

from tests.support.personas import SignIn, csrf_field
from tests.support.tokens import token_for


async def _api(portal: str, database_url: str, username: str = "admin") -> httpx.AsyncClient:
    token = await token_for(database_url, username)
    return httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"})


async def test_a_territory_manager_made_over_the_api_sees_exactly_its_territory(portal: str, demo_sqlite: str) -> None:
    async with await _api(portal, demo_sqlite) as api:
        classes = {c["key"] for c in (await api.get("/api/v1/classes")).json()}
        assert {"territory_manager", "managing_director", "receivables"} <= classes
        made = await api.post(
            "/api/v1/users",
            json={
                "username": "gebiet-nord",
                "name": "Nora Nord",
                "phone": "+49 171 5550200",
                "email": "nora@example.org",
                "classes": ["territory_manager"],
                "territories": ["NORD"],
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["username"] == "gebiet-nord" and len(made.json()["one_time_password"]) >= 12
        shown = (await api.get("/api/v1/users/gebiet-nord")).json()
        assert shown["territories"] == ["NORD"] and shown["email"] == "nora@example.org"
        regions = {t["code"]: t["region"] for t in (await api.get("/api/v1/territories")).json()}
    async with await _api(portal, demo_sqlite, "gebiet-nord") as nord:
        seen = (await nord.get("/api/v1/partners")).json()
    assert seen and {regions[p["territory"]] for p in seen} == {"NORD"}


async def test_refused_users_name_the_field_and_store_nothing(portal: str, demo_sqlite: str) -> None:
    async with await _api(portal, demo_sqlite) as api:
        before = (await api.get("/api/v1/users")).json()
        cases = [
            ({"classes": ["territory_manager"], "territories": []}, "territories"),  # a scoped class needs a territory
            ({"classes": ["territory_manager"], "territories": ["ATLANTIS"]}, "territories"),
            ({"classes": ["sales_management"], "territories": ["NORD"]}, "territories"),  # would grant nothing
            ({"classes": ["no_such_class"]}, "classes"),
            ({"classes": ["receivables"], "phone": "12"}, "phone"),
            ({"classes": ["receivables"], "email": "kein-at"}, "email"),
        ]
        for change, field in cases:
            body = {"username": "neu", "name": "Neu", "phone": "+49 171 5550201", **change}
            answer = await api.post("/api/v1/users", json=body)
            assert answer.status_code == 422, (change, answer.text)
            assert field in {e["key"] for e in answer.json()["extra"]}, (change, answer.json())
        assert (await api.get("/api/v1/users")).json() == before


async def test_patch_changes_only_what_it_names_and_is_audited(portal: str, demo_sqlite: str) -> None:
    async with await _api(portal, demo_sqlite) as api:
        moved = await api.patch("/api/v1/users/gebiet-sued", json={"territories": ["SUED", "OST"]})
        assert moved.status_code == 200, moved.text
        assert moved.json()["territories"] == ["OST", "SUED"] and moved.json()["classes"] == ["territory_manager"]
        off = await api.patch("/api/v1/users/gebiet-sued", json={"active": False})
        assert off.json()["active"] is False and off.json()["territories"] == ["OST", "SUED"]
        assert (await api.patch("/api/v1/users/niemand", json={"active": False})).status_code == 404
        assert (await api.patch("/api/v1/users/gebiet-sued", json={"rolle": "x"})).status_code == 400
    async with await _api(portal, demo_sqlite, "vertrieb") as not_admin:
        assert (await not_admin.get("/api/v1/users")).status_code == 403
        assert (await not_admin.patch("/api/v1/users/gf1001", json={"active": False})).status_code == 403


async def test_admin_assigns_territories_and_the_user_sees_its_reach(
    admin: httpx.AsyncClient, portal: str, sign_in: SignIn
) -> None:
    page = await admin.get("/admin/benutzer/neu")
    assert 'name="territories" value="NORD"' in page.text
    made = await admin.post(
        "/admin/benutzer/neu",
        data={
            "_csrf_token": csrf_field(page.text),
            "username": "gebiet-nord2",
            "display_name": "Nils Nord",
            "phone": "+49 171 5550202",
            "classes": ["territory_manager"],
        },
    )
    assert made.status_code == 400 and "mindestens ein Gebiet" in made.text
    made = await admin.post(
        "/admin/benutzer/neu",
        data={
            "_csrf_token": csrf_field(page.text),
            "username": "gebiet-nord2",
            "display_name": "Nils Nord",
            "phone": "+49 171 5550202",
            "classes": ["territory_manager"],
            "territories": ["NORD"],
        },
    )
    assert made.status_code == 200
    password = re.search(r'id="one-time-password">([^<]+)<', made.text)
    assert password
    async with httpx.AsyncClient(base_url=portal) as nils:
        await sign_in(nils, "gebiet-nord2", password.group(1))
        form = await nils.get("/konto/passwort")
        new = "Nordwind-über-den-Deichen-2026"
        changed = await nils.post(
            "/konto/passwort",
            data={"_csrf_token": csrf_field(form.text), "current": password.group(1), "new": new, "repeat": new},
        )
        assert changed.status_code == 303, changed.text
        account = await nils.get("/konto")
    assert "Ihre Gebiete" in account.text and "Nord (Region)" in account.text
