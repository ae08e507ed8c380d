"""Hostile values in every field of every form the demo users reach (issue 7).

Oversized values, wrong types (a field sent twice), unicode tricks (NUL, RTL override,
zero-width space, a lone surrogate), SQL and script payloads: never a 5xx, never a script
echoed as markup, and nothing hidden or oversized ever reaches the database. Text that is
merely unusual (SQL, markup) may be stored, exactly as typed, and is shown escaped.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from kpi.months import format_month, month_of
from tests.support.html_forms import Form, forms_of
from tests.support.personas import SignIn, csrf_field, submit_password

SCRIPT = '<script>alert("xss")</script>'
SQL = "x' OR '1'='1'; DROP TABLE users; --"
HIDDEN = ("\x00", "\u202e", "\u200b", "\ud800")
HOSTILE: dict[str, str | list[str]] = {
    "nul": "Werk\x00statt",
    "rtl-override": "Rechnung\u202efdp.exe",
    "zero-width": "ad\u200bmin",
    "lone-surrogate": "Nord\ud800",
    "oversized": "9" * 100_000,
    "sql": SQL,
    "script": SCRIPT,
    "wrong-type": ["1", "zwei"],
    "huge-number": "9" * 30,
    "negative": "-1",
}
# The pages whose forms each user fills in; {names} are looked up in the demo database.
PAGES = {
    "admin": [
        "/admin/benutzer/neu",
        "/admin/benutzer/{gf1002}",
        "/admin/benutzer",
        "/admin/berechtigungen",
        "/admin/berechtigungen/{marketing}",
        "/admin/partner/neu",
        "/admin/partner/{partner_1003}",
        "/admin/partner",
        "/admin/gebiete",
        "/admin/gebiete/{west_hr}",
        "/admin/gruppen/neu",
        "/admin/gruppen/{erfa}",
        "/admin/protokoll",
        "/erfassung/1001/{month}",
        "/import",
        "/analyse",
        "/zentrale/ziele",
        "/zentrale/meldungen",
        "/zentrale/kennzahlen",
        "/zentrale/partner/1001",
    ],
    "moderator": ["/chat/{nord}", "/chat", "/chat/suche", "/chat/teilen?link=/analyse"],
    "gf1001": [
        "/konto",
        "/konto/passwort",
        "/konto/telefon",
        "/konto/app",
        "/chat/{nord}",
        "/chat/teilen?link=/analyse",
        "/erfassung/1001/{month}",
        "/analyse",
    ],
}


def db_file(database_url: str) -> str:
    return database_url.removeprefix("sqlite+aiosqlite:///")


def demo_ids(database_url: str) -> dict[str, Any]:
    with sqlite3.connect(db_file(database_url)) as db:

        def one(sql: str) -> Any:
            return db.execute(sql).fetchone()[0]

        return {
            "gf1002": one("select id from users where username = 'gf1002'"),
            "marketing": one("select id from permission_classes where key = 'marketing'"),
            "partner_1003": one("select id from partners where number = 1003"),
            "west_hr": one("select id from territories where code = 'WEST-HR'"),
            "erfa": one("select id from comparison_groups where kind = 'list'"),
            "nord": one("select id from chat_rooms where name = 'Region Nord'"),
            "month": format_month(month_of(date.today())),
        }


def stored_text(database_url: str) -> list[tuple[str, str]]:
    """(table, value) for every text value in the database."""
    found = []
    with sqlite3.connect(db_file(database_url)) as db:
        db.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")
        tables = [name for (name,) in db.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            for row in db.execute(f'select * from "{table}"'):
                found.extend((table, value) for value in row if isinstance(value, str))
    return found


def filled(form: Form, hostile: str | list[str]) -> bytes:
    """The form as a browser would send it, every editable field holding the hostile value."""
    pairs: list[tuple[str, Any]] = [
        (name, hostile if name in form.editable() else value)
        for name, (kind, value) in form.fields.items()
        if kind not in ("file", "submit")
    ]
    # A browser cannot send a lone surrogate; a script can, as the bytes of its UTF-8-ish encoding.
    return urlencode(pairs, doseq=True, encoding="utf-8", errors="surrogatepass").encode()


async def submit(client: httpx.AsyncClient, form: Form, hostile: str | list[str], csrf: str) -> httpx.Response:
    body = filled(form, hostile if form.method == "post" or not isinstance(hostile, str) else hostile[:5000])
    if form.method == "get":
        return await client.get(form.action + "?" + body.decode())
    headers = {"x-csrftoken": csrf}
    if form.multipart:
        fields = {name: value for name, value in re.findall(r"([^&=]+)=([^&]*)", body.decode())}
        return await client.post(form.action, data=fields, files={"datei": ("x.csv", b"a\x00b", "text/csv")})
    return await client.post(
        form.action, content=body, headers={**headers, "content-type": "application/x-www-form-urlencoded"}
    )


async def sweep(
    client: httpx.AsyncClient, pages: list[str], values: dict[str, str | list[str]] = HOSTILE
) -> tuple[list[str], int]:
    """Every form with a field to type into, every hostile value; returns what went wrong and how many were sent."""
    wrong, sent = [], 0
    for page in pages:
        html = (await client.get(page)).text
        for form in forms_of(html, page.split("?")[0]):
            if not form.editable() or form.action == "/logout":
                continue
            for name, hostile in values.items():
                csrf = csrf_field((await client.get(page)).text) if form.method == "post" else ""
                answer = await submit(client, form, hostile, csrf)
                sent += 1
                if answer.status_code >= 500 or SCRIPT in answer.text:
                    wrong.append(f"{form.method} {form.action} with {name}: {answer.status_code}")
    return wrong, sent


@pytest.mark.parametrize("username", sorted(PAGES))
async def test_every_form_takes_hostile_values_without_5xx_and_stores_nothing_hidden(
    portal_with: Callable[..., Any], sign_in: SignIn, demo_sqlite: str, username: str
) -> None:
    ids = demo_ids(demo_sqlite)
    pages = [page.format(**ids) for page in PAGES[username]]
    users_before = stored_text(demo_sqlite).count(("users", "gf1002"))
    async with (
        portal_with(request_rate_per_minute=100_000) as base,
        httpx.AsyncClient(base_url=base, timeout=60) as client,
    ):
        assert (await sign_in(client, username)).status_code == 303
        wrong, sent = await sweep(client, pages)
        shown = [(await client.get(page)).text for page in pages]
    assert wrong == []
    assert sent >= 5 * len(HOSTILE), "the pages have fewer forms than expected"
    hidden = [(table, value[:40]) for table, value in stored_text(demo_sqlite) if any(c in value for c in HIDDEN)]
    oversized = [(table, len(value)) for table, value in stored_text(demo_sqlite) if len(value) > 20_000]
    assert hidden == [] and oversized == []
    assert stored_text(demo_sqlite).count(("users", "gf1002")) == users_before == 1, "SQL stays text"
    assert not any(SCRIPT in page for page in shown)


async def test_the_sign_in_steps_take_hostile_values_without_5xx(
    portal_with: Callable[..., Any], demo_sqlite: str
) -> None:
    wrong = []
    async with portal_with(request_rate_per_minute=100_000, login_rate_per_minute=1000, lockout_failures=1000) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            wrong += (await sweep(client, ["/login"]))[0]
            assert (await client.get("/")).status_code == 303, "no hostile value signs anyone in"
        for name, hostile in HOSTILE.items():
            async with httpx.AsyncClient(base_url=base) as client:
                assert (await submit_password(client, "gf1002")).status_code == 303
                wrong += (await sweep(client, ["/login/code"], {name: hostile}))[0]
                assert (await client.get("/")).status_code == 303, name
    assert wrong == []
    hidden = [(table, value[:40]) for table, value in stored_text(demo_sqlite) if any(c in value for c in HIDDEN)]
    assert hidden == []
