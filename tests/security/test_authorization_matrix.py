"""Every route, every demo user: allowed or denied exactly as this table says (deny by default).

The routes are read from the application, so a new route without a row here fails the test.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.server import create_app
from app.settings import Settings
from tests.security.authorization_table import EXPECTED, PERIOD, PUBLIC
from tests.support.personas import EVERYONE, SignIn, csrf_field
from tests.support.server import serving
from tests.support.tokens import token_for


def app_routes(settings: Settings) -> set[tuple[str, str]]:
    litestar = create_app(settings).other_asgi_app
    return {
        (method, route.path)
        for route in litestar.routes
        for method in getattr(route, "methods", ())
        if method not in ("HEAD", "OPTIONS")
    }


def samples(database_url: str) -> dict[str, str]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        ((target,),) = db.execute("select id from users where username = 'gf1002'").fetchall()
        ((class_id, grant_id),) = db.execute("""select c.id, g.id from permission_classes c join grants g
            on g.class_id = c.id where c.key = 'marketing' and g.action = 'view'""").fetchall()
        ((partner_id,),) = db.execute("select id from partners where number = 1003").fetchall()
        ((territory_id,),) = db.execute("select id from territories where code = 'WEST-HR'").fetchall()
        ((group_id,),) = db.execute("select id from comparison_groups where kind = 'list'").fetchall()
        ((group_all,),) = db.execute("select id from comparison_groups where kind = 'all'").fetchall()
        ((room_all,),) = db.execute("select id from chat_rooms where name = 'Alle Partner'").fetchall()
        cursor = db.execute(
            "insert into chat_messages (room_id, author_id, body, created_at, mentions_all) values "
            "(?, (select id from users where username = 'gf1001'), 'Probe', ?, 0)",
            (room_all, datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")),
        )
        message_id = cursor.lastrowid
        task = db.execute(
            "insert into tasks (title, description, partner_id, assignee_id, created_by_id, priority, status,"
            " created_at, updated_at) values ('Probe', '', (select id from partners where number = 1001),"
            " (select id from users where username = 'gf1001'), (select id from users where username = 'admin'),"
            " 'normal', 'open', ?, ?)",
            (datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),) * 2,
        )
        now = datetime.now(UTC)
        appointment = db.execute(
            'insert into appointments (uid, title, kind, partner_id, start, "end", place, agenda, organizer_id,'
            " status, sequence, created_at, updated_at) values ('probe-uid', 'Besuch', 'visit',"
            " (select id from partners where number = 1001), ?, ?, '', '', (select id from users where username ="
            " 'vertrieb'), 'planned', 0, ?, ?)",
            tuple((now + timedelta(days=d)).strftime("%Y-%m-%d %H:%M:%S.%f") for d in (2, 2.05, 0, 0)),
        )
        db.execute(
            "insert into appointment_invitees (appointment_id, user_id) values (?, (select id from users where"
            " username = 'gf1001'))",
            (appointment.lastrowid,),
        )
        run = db.execute(
            "insert into supplier_import_runs (kind, origin, file_name, sha256, at, dry_run, rows_ok, changes, errors)"
            " values ('purchases', 'api', 'probe.csv', '0', ?, 1, 0, 0, '[]')",
            (datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),),
        )
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        db.execute("insert into file_contents (sha256, content) values ('0' , x'25504446')")
        stored = db.execute(
            "insert into stored_files (sha256, filename, media_type, size, text, uploaded_at) values"
            " ('0', 'probe.pdf', 'application/pdf', 4, '', ?)",
            (stamp,),
        )
        document = db.execute(
            "insert into documents (partner_id, title, description, circular, version, file_id, search, created_by_id,"
            " created_at, updated_at) values ((select id from partners where number = 1001), 'Probe', '', 0, 1, ?,"
            " 'probe', (select id from users where username = 'gf1001'), ?, ?)",
            (stored.lastrowid, stamp, stamp),
        )
        db.execute(
            "insert into document_versions (document_id, version, file_id, note, at) values (?, 1, ?, '', ?)",
            (document.lastrowid, stored.lastrowid, stamp),
        )
        attachment = db.execute(
            "insert into task_attachments (task_id, file_id, at) values (?, ?, ?)",
            (task.lastrowid, stored.lastrowid, stamp),
        )
    return {
        "attachment_id": str(attachment.lastrowid),
        "document_id": str(document.lastrowid),
        "partner_id": str(partner_id),
        "territory_id": str(territory_id),
        "group_id": str(group_id),
        "group_all": str(group_all),
        "user_id": str(target),
        "class_id": str(class_id),
        "grant_id": str(grant_id),
        "session_id": "999999",
        "token_id": "999999",
        "period": PERIOD,
        "year": PERIOD[:4],
        "fmt": "csv",
        "username": "gf1002",
        "kind": "purchases",
        "key": "revenue_total",
        "run_id": str(run.lastrowid),
        "task_id": str(task.lastrowid),
        "appointment_id": str(appointment.lastrowid),
        "token": "cal_unknown.ics",
        "notification_id": "999999",
        "chart_id": "profile",
        "room_id": str(room_all),
        "message_id": str(message_id),
        "file_path": "css/portal.css",
        "path": "openapi.json",
    }


QUERIES = {
    "/api/v1/benchmark": "?group={group_all}&period={period}&span=month",
    "/chat/{room_id:int}/verlauf": "?vor=999999",
    "/chat/teilen": "?link=/analyse",
    "/chat/gespraech": "?partner=1001",
}


def concrete(path: str, values: dict[str, str]) -> str:
    url = re.sub(r"{(\w+):\w+}", lambda m: values[m.group(1)], path)
    return url + QUERIES.get(path, "").format(**values)


def allowed(answer: httpx.Response) -> bool:
    """Denied means: not signed in (401, or the way to /login), forbidden (403), or not there for you (404)."""
    if answer.status_code in (401, 403, 404):
        return False
    return not (answer.is_redirect and answer.headers.get("location", "").startswith("/login"))


def test_every_route_of_the_app_has_a_row(make_settings: Callable[..., Settings], tmp_path: Any) -> None:
    routes = app_routes(make_settings(f"sqlite+aiosqlite:///{tmp_path}/unused.sqlite3"))
    assert routes - set(EXPECTED) == set(), "new routes need a row in EXPECTED"
    assert set(EXPECTED) - routes == set(), "rows for routes that no longer exist"


async def walk(client: httpx.AsyncClient, api: httpx.AsyncClient, values: dict[str, str], who: str) -> list[str]:
    """Request every non-public route; returns the mismatches against EXPECTED."""
    csrf = csrf_field((await client.get("/login")).text) if who == "anonymous" else None
    wrong = []
    rows = sorted(EXPECTED.items(), key=lambda row: row[0][1] == "/logout")  # sign out last
    for (method, path), expected in rows:
        if expected == PUBLIC:
            continue
        variants = expected.items() if isinstance(expected, dict) else [("", expected)]
        for partner, users in variants:
            url = concrete(path, {**values, "partner_no": partner})
            if path.startswith("/api/"):
                body = {"units_new": 1} if method == "PUT" else {} if method == "PATCH" else None
                answer = await api.request(method, url, json=body)
            elif method == "GET":
                answer = await client.get(url)
            else:
                if csrf is None:
                    csrf = csrf_field((await client.get("/konto")).text)
                answer = await client.post(url, data={"_csrf_token": csrf})
            if path == "/logout":
                signed_out = (await client.get("/")).status_code == 303
                if not signed_out:
                    wrong.append(f"{who} is still signed in after {method} {url}")
                continue
            if allowed(answer) != (who in users):
                wrong.append(f"{who} {method} {url}: {answer.status_code} {answer.headers.get('location', '')}")
    return wrong


@pytest.mark.parametrize("username", [*EVERYONE, "anonymous"])
async def test_each_user_reaches_exactly_the_routes_of_their_job(
    sign_in: SignIn, demo_sqlite: str, make_settings: Callable[..., Settings], username: str
) -> None:
    values = samples(demo_sqlite)
    token = await token_for(demo_sqlite, username) if username != "anonymous" else "ppt_none"
    async with (
        serving(create_app(make_settings(demo_sqlite))) as base,
        httpx.AsyncClient(base_url=base) as client,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api,
    ):
        if username != "anonymous":
            assert (await sign_in(client, username)).status_code == 303
        wrong = await walk(client, api, values, username)
    assert wrong == [], "\n".join(wrong)


async def test_public_routes_answer_without_sign_in(portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as anonymous:
        for path in ("/login", "/static/css/portal.css", "/schema/openapi.json", "/schema/openapi.yaml", "/healthz"):
            assert (await anonymous.get(path)).status_code == 200, path
