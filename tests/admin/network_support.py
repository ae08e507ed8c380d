"""Helpers of the network administration tests: database reads, forms, the groups API."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import httpx

from tests.support.personas import csrf_field
from tests.support.tokens import token_for

NEW_PARTNER = {
    "number": "2001",
    "name": "Landtechnik Testhof",
    "size_class": "groß",
    "partner_type": "Landtechnik",
    "postal_code": "84028",
    "city": "Landshut",
}


def db_rows(database_url: str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return db.execute(sql, args).fetchall()


def one(database_url: str, sql: str, *args: object) -> Any:
    (row,) = db_rows(database_url, sql, *args)
    return row[0]


def audit(database_url: str, action: str) -> list[tuple[str, dict[str, Any]]]:
    rows = db_rows(database_url, "select object_id, detail from audit_events where action = ? order by id", action)
    return [(object_id, json.loads(detail)) for object_id, detail in rows]


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, Any] | None = None
) -> httpx.Response:
    csrf = csrf_field((await client.get(page)).text)
    return await client.post(action, data={"_csrf_token": csrf, **(data or {})})


async def preview(client: httpx.AsyncClient, data: dict[str, Any]) -> list[int]:
    """The partner numbers the HTMX preview lists for this form, checked against its stated count."""
    csrf = csrf_field((await client.get("/admin/gruppen/neu")).text)
    answer = await client.post(
        "/admin/gruppen/vorschau", data=data, headers={"hx-request": "true", "x-csrftoken": csrf}
    )
    assert answer.status_code == 200 and "<html" not in answer.text, "HTMX gets the partial only"
    numbers = [int(n) for n in re.findall(r'data-partner="(\d+)"', answer.text)]
    count = re.search(r'id="preview-count">(\d+)<', answer.text)
    assert count and int(count.group(1)) == len(numbers)
    return numbers


async def api_sizes(portal: str, demo_sqlite: str) -> dict[str, int]:
    token = await token_for(demo_sqlite, "vertrieb")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        answer = await api.get("/api/v1/groups")
    assert answer.status_code == 200
    return {g["name"]: g["size"] for g in answer.json()}


def territory_id(database_url: str, code: str) -> int:
    return int(one(database_url, "select id from territories where code = ?", code))


def group_id(database_url: str, name: str) -> int:
    return int(one(database_url, "select id from comparison_groups where name = ?", name))


def partner_id(database_url: str, number: int) -> int:
    return int(one(database_url, "select id from partners where number = ?", number))
