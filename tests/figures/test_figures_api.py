"""`/api/v1/partners/{no}/figures/{YYYY-MM}`: who may enter and see, and what bad input gets."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from kpi.months import add_months, format_month, month_of
from tests.support.tokens import token_for

MONTH = format_month(month_of(date.today()))
NEXT_MONTH = format_month(add_months(month_of(date.today()), 1))


async def api_as(portal: str, database_url: str, username: str) -> httpx.AsyncClient:
    token = await token_for(database_url, username)
    return httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"})


async def test_a_managing_director_stores_and_reads_the_own_month(portal: str, demo_sqlite: str) -> None:
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        put = await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"revenue_new": 100000, "cogs": 80000})
        got = await api.get(f"/api/v1/partners/1001/figures/{MONTH}")
    assert put.status_code == 200 and put.json()["values"] == {"revenue_new": 100000.0, "cogs": 80000.0}
    assert got.json()["values"] == {"revenue_new": 100000.0, "cogs": 80000.0}


async def test_a_changed_value_keeps_the_old_one_in_history(portal: str, demo_sqlite: str) -> None:
    import sqlite3

    async with await api_as(portal, demo_sqlite, "bh1001") as api:
        await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"revenue_new": 1000})
        await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"revenue_new": 2000})
    path = demo_sqlite.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as db:
        history = db.execute("""select fr.value, f.value, u.username from figure_revisions fr
            join figures f on f.id = fr.figure_id join users u on u.id = fr.replaced_by_id""").fetchall()
    assert history == [(1000.0, 2000.0, "bh1001")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"revenue_new": "viel"}, "revenue_new"),
        ({"umsatz_neu": 5}, "umsatz_neu"),
        ({"cogs": -5}, "cogs"),
        ({"expectation": 3}, "expectation"),
        ({"revenue_new": True}, "revenue_new"),
        ({}, "body"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    portal: str, demo_sqlite: str, body: dict[str, object], field: str
) -> None:
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        answer = await api.put(
            f"/api/v1/partners/1001/figures/{MONTH}", json=body if field == "body" else {"units_new": 3, **body}
        )
        after = await api.get(f"/api/v1/partners/1001/figures/{MONTH}")
    assert answer.status_code == 422 and field in answer.text and "detail" in answer.json()
    assert after.json()["values"] == {}


async def test_a_future_month_is_refused(portal: str, demo_sqlite: str) -> None:
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        answer = await api.put(f"/api/v1/partners/1001/figures/{NEXT_MONTH}", json={"units_new": 3})
        bad = await api.put("/api/v1/partners/1001/figures/2026-13", json={"units_new": 3})
    assert answer.status_code == 422 and "Zukunft" in answer.text
    assert bad.status_code == 422 and "JJJJ-MM" in bad.text


@pytest.mark.parametrize(
    ("username", "partner", "method", "status"),
    [
        ("gf1001", 1002, "put", 403),
        ("gf1001", 1002, "get", 403),
        ("bh1001", 1002, "put", 403),
        ("bh1001", 1001, "get", 200),
        ("debitoren", 1001, "put", 403),
        ("gebiet-sued", 1001, "get", 403),
        ("vertrieb", 1001, "put", 403),
        ("admin", 1040, "put", 200),
        ("vertrieb", 1001, "get", 200),
        ("admin", 9999, "get", 404),
    ],
)
async def test_only_who_may_enter_or_see_a_partner_gets_its_figures(
    portal: str, demo_sqlite: str, username: str, partner: int, method: str, status: int
) -> None:
    async with await api_as(portal, demo_sqlite, username) as api:
        url = f"/api/v1/partners/{partner}/figures/{MONTH}"
        answer = await (api.put(url, json={"units_new": 2}) if method == "put" else api.get(url))
    assert answer.status_code == status, answer.text


async def test_the_api_needs_a_valid_token(portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as anonymous:
        none = await anonymous.get("/api/v1/metrics")
        wrong = await anonymous.get("/api/v1/metrics", headers={"Authorization": "Bearer ppt_wrong"})
    assert none.status_code == wrong.status_code == 401
    assert none.headers["content-type"].startswith("application/json") and "detail" in none.json()


async def test_the_catalogue_and_groups_are_listed(portal: str, demo_sqlite: str) -> None:
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        metrics = (await api.get("/api/v1/metrics")).json()
        groups = (await api.get("/api/v1/groups")).json()
    assert len(metrics) == 50 and {"revenue_new", "market_share", "dso"} <= {m["key"] for m in metrics}
    names = {g["name"]: g["size"] for g in groups}
    assert names["Alle Partner"] == 40 and names["ERFA-Kreis Werkstatt"] < 5
    assert "Region Süd" not in names  # 1001 is in the north


async def test_the_openapi_schema_is_public_and_lists_the_api(portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as anonymous:
        schema = await anonymous.get("/schema/openapi.json")
    assert schema.status_code == 200 and "/api/v1/partners/{partner_no}/figures/{period}" in schema.text


async def test_functional_staff_see_only_their_data_domain(portal: str, demo_sqlite: str) -> None:
    last_month = format_month(add_months(month_of(date.today()), -1))
    async with await api_as(portal, demo_sqlite, "debitoren") as api:
        answer = await api.get(f"/api/v1/partners/1001/figures/{last_month}")
    assert answer.status_code == 200
    assert set(answer.json()["values"]) == {"receivables", "receivables_overdue"}


async def test_a_token_opens_the_api_but_not_the_pages(portal: str, demo_sqlite: str) -> None:
    async with await api_as(portal, demo_sqlite, "admin") as api:
        assert (await api.get("/api/v1/metrics")).status_code == 200
        page = await api.get("/admin/benutzer")
    assert page.status_code == 303 and page.headers["location"] == "/login"


async def test_entering_is_limited_to_the_granted_data_domains(portal: str, demo_sqlite: str) -> None:
    import sqlite3

    with sqlite3.connect(demo_sqlite.removeprefix("sqlite+aiosqlite:///")) as db:
        db.execute(
            "insert into permission_classes (key, name, description, for_partner_users) "
            "values ('debitoren_erfassung', 'Forderungen erfassen', '', 0)"
        )
        class_id = db.execute("select id from permission_classes where key = 'debitoren_erfassung'").fetchone()[0]
        db.execute(
            "insert into grants (class_id, action, domain, scope) values (?, 'enter', 'receivables', 'all')",
            (class_id,),
        )
        user_id = db.execute("select id from users where username = 'debitoren'").fetchone()[0]
        db.execute("insert into user_permission_classes (user_id, class_id) values (?, ?)", (user_id, class_id))
    async with await api_as(portal, demo_sqlite, "debitoren") as api:
        allowed = await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"receivables": 1000})
        refused = await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"revenue_new": 1000})
    assert allowed.status_code == 200
    assert refused.status_code == 422 and "revenue_new" in refused.text and "Bereich" in refused.text


async def test_a_value_far_from_the_year_before_is_stored_with_a_warning_naming_it(
    portal: str, demo_sqlite: str
) -> None:
    year_before = format_month(add_months(month_of(date.today()), -12))
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        before = (await api.get(f"/api/v1/partners/1001/figures/{year_before}")).json()["values"]["revenue_new"]
        far = await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"revenue_new": before * 2})
        near = await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"revenue_new": before * 1.1})
    assert far.status_code == 200 and far.json()["values"]["revenue_new"] == before * 2
    [warning] = far.json()["warnings"]
    assert warning["key"] == "revenue_new" and "+100%" in warning["message"] and "Bitte prüfen" in warning["message"]
    assert near.status_code == 200 and near.json()["warnings"] == []
