"""Every route, every demo user: allowed or denied exactly as this table says (deny by default).

The routes are read from the application, so a new route without a row here fails the test.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.server import create_app
from app.settings import Settings
from kpi.months import add_months, format_month, month_of
from tests.support.personas import EVERYONE, SignIn, csrf_field
from tests.support.server import serving
from tests.support.tokens import token_for

ALL = set(EVERYONE)
ZENTRALE_VIEW = {"admin", "vertrieb", "gebiet-sued", "debitoren"}
ADMIN = {"admin"}
NOBODY: set[str] = set()
CHAT = {"gf1001", "gf1002", "moderator"}  # the managing directors of the sample partners and the moderator
PUBLIC = "public"
PERIOD = format_month(add_months(month_of(date.today()), -1))
# A task about partner 1001 given by the admin to gf1001: its assignee, its creator, and the Zentrale
# staff who see 1001 may open it; 1001's accountant, gf1002 and Süd's manager may not (404).
TASK_READERS = {"admin", "vertrieb", "debitoren", "gf1001"}
# A visit at partner 1001 planned by vertrieb with gf1001 invited: its organizer and invitee, and the
# Zentrale staff who see 1001, may open it; of these, the Zentrale's planners may change it.
APPOINTMENT_READERS = {"admin", "vertrieb", "debitoren", "gf1001"}
PLANNERS = {"admin", "vertrieb", "gebiet-sued", "debitoren"}
APPOINTMENT_EDITORS = APPOINTMENT_READERS & PLANNERS

# (method, route) -> who may; for partner-scoped routes a dict per partner number.
EXPECTED: dict[tuple[str, str], Any] = {
    ("GET", "/"): ALL,
    ("GET", "/partner"): ZENTRALE_VIEW,
    ("GET", "/erfassung"): {"admin", "gf1001", "gf1002", "bh1001"},
    ("GET", "/erfassung/{partner_no:int}/{period:str}"): {
        "1001": {"admin", "gf1001", "bh1001"},
        "1002": {"admin", "gf1002"},
    },
    ("POST", "/erfassung/{partner_no:int}/{period:str}"): {
        "1001": {"admin", "gf1001", "bh1001"},
        "1002": {"admin", "gf1002"},
    },
    ("POST", "/erfassung/{partner_no:int}/{period:str}/vorschau"): {
        "1001": {"admin", "gf1001", "bh1001"},
        "1002": {"admin", "gf1002"},
    },
    ("GET", "/import"): {"admin", "gf1001", "gf1002", "bh1001"},
    ("POST", "/import/pruefen"): {"admin", "gf1001", "gf1002", "bh1001"},
    ("POST", "/import/uebernehmen"): {"admin", "gf1001", "gf1002", "bh1001"},
    ("GET", "/erfassung/{partner_no:int}/vorlage/{year:int}"): {
        "1001": {"admin", "gf1001", "bh1001"},
        "1002": {"admin", "gf1002"},
    },
    ("GET", "/analyse"): {"admin", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002"},
    ("GET", "/analyse/export/{fmt:str}"): {"admin", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002"},
    ("GET", "/analyse/verlauf"): {"admin", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002"},
    ("GET", "/analyse/diagramm/{chart_id:str}"): {"admin", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002"},
    ("GET", "/zentrale/ziele"): {"admin", "vertrieb", "gebiet-sued"},
    ("GET", "/zentrale/ziele/partner/{partner_no:int}/{year:int}"): {
        "1001": {"admin", "vertrieb"},
        "1002": {"admin", "vertrieb"},
    },
    ("POST", "/zentrale/ziele/partner/{partner_no:int}/{year:int}"): {
        "1001": {"admin", "vertrieb"},
        "1002": {"admin", "vertrieb"},
    },
    ("GET", "/zentrale/ziele/import"): {"admin", "vertrieb", "gebiet-sued"},
    ("GET", "/zentrale/ziele/vorlage/{year:int}"): {"admin", "vertrieb", "gebiet-sued"},
    ("POST", "/zentrale/ziele/import/pruefen"): {"admin", "vertrieb", "gebiet-sued"},
    ("POST", "/zentrale/ziele/import/uebernehmen"): {"admin", "vertrieb", "gebiet-sued"},
    ("GET", "/ziele"): {"gf1001", "gf1002"},
    ("POST", "/ziele/{year:int}/bestaetigen"): {"gf1001", "gf1002"},
    ("GET", "/zentrale/meldungen"): {"admin", "vertrieb", "gebiet-sued", "debitoren"},
    ("GET", "/zentrale/kennzahlen"): {"admin", "vertrieb", "gebiet-sued", "debitoren"},
    # Zentrale staff who view partners talk with them in conversations (not in the group rooms).
    ("GET", "/chat"): CHAT | ZENTRALE_VIEW,
    ("GET", "/chat/ungelesen"): CHAT | ZENTRALE_VIEW,
    ("GET", "/chat/suche"): CHAT | ZENTRALE_VIEW,
    ("GET", "/chat/teilen"): CHAT | ZENTRALE_VIEW,
    ("POST", "/chat/teilen"): CHAT | ZENTRALE_VIEW,
    ("GET", "/chat/gespraech"): {"admin", "vertrieb", "debitoren", "gf1001"},  # ?partner=1001: who talks with 1001
    ("GET", "/chat/{room_id:int}"): CHAT,
    ("GET", "/chat/{room_id:int}/verlauf"): CHAT,
    ("POST", "/chat/{room_id:int}"): CHAT,
    # The sample message is gf1001's: only its author edits or deletes it, only moderators remove it.
    ("POST", "/chat/nachricht/{message_id:int}/bearbeiten"): {"gf1001"},
    ("POST", "/chat/nachricht/{message_id:int}/loeschen"): {"gf1001"},
    ("POST", "/chat/nachricht/{message_id:int}/entfernen"): {"moderator"},
    ("POST", "/chat/{room_id:int}/anheften"): {"moderator"},
    ("POST", "/chat/{room_id:int}/stumm"): {"moderator"},
    ("POST", "/chat/{room_id:int}/einstellungen"): {"moderator"},
    ("POST", "/chat/raeume"): {"moderator"},
    ("GET", "/api/v1/chat/rooms"): ALL,
    ("GET", "/zentrale/partner/{partner_no:int}"): {
        "1001": {"admin", "vertrieb", "debitoren"},
        "1005": {"admin", "vertrieb", "debitoren", "gebiet-sued"},
    },
    ("GET", "/konto"): ALL,
    ("POST", "/konto/sitzungen/{session_id:int}/beenden"): NOBODY,  # another user's session
    ("POST", "/konto/sitzungen/andere-beenden"): ALL,
    ("POST", "/konto/token"): ALL,
    ("POST", "/konto/token/{token_id:int}/widerrufen"): NOBODY,  # another user's token
    ("POST", "/admin/benutzer/{user_id:int}/token/{token_id:int}/widerrufen"): NOBODY,  # not that user's token
    ("GET", "/konto/passwort"): ALL,
    ("POST", "/konto/passwort"): ALL,
    ("GET", "/konto/telefon"): ALL,
    ("POST", "/konto/telefon"): ALL,
    ("POST", "/konto/telefon/code"): ALL,
    ("GET", "/konto/app"): ALL,
    ("POST", "/konto/app"): ALL,
    ("POST", "/konto/app/entfernen"): ALL,
    ("POST", "/konto/wiederherstellung"): ALL,
    ("GET", "/api/v1/metrics"): ALL,
    ("GET", "/api/v1/groups"): ALL,
    ("GET", "/api/v1/territories"): ALL,
    ("GET", "/api/v1/partners"): ALL,  # each sees the partners of its job (tests/network/test_master_data_api.py)
    ("GET", "/api/v1/benchmark"): {"admin", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002"},
    ("GET", "/api/v1/partners/{partner_no:int}/figures/{period:str}"): {
        "1001": {"admin", "vertrieb", "debitoren", "gf1001", "bh1001"},
        "1002": {"admin", "vertrieb", "debitoren", "gf1002"},
    },
    ("PUT", "/api/v1/partners/{partner_no:int}/figures/{period:str}"): {
        "1001": {"admin", "gf1001", "bh1001"},
        "1002": {"admin", "gf1002"},
    },
    ("GET", "/api/v1/partners/{partner_no:int}/targets/{year:int}"): {
        "1001": {"admin", "vertrieb", "debitoren", "gf1001"},
        "1002": {"admin", "vertrieb", "debitoren", "gf1002"},
    },
    ("PUT", "/api/v1/partners/{partner_no:int}/targets/{year:int}"): {
        "1001": {"admin", "vertrieb"},
        "1002": {"admin", "vertrieb"},
    },
    ("POST", "/api/v1/partners/{partner_no:int}/targets/{year:int}/agreement"): {
        "1001": {"gf1001"},
        "1002": {"gf1002"},
    },
    ("GET", "/api/v1/partners/{partner_no:int}"): {
        "1001": {"admin", "vertrieb", "debitoren", "gf1001"},
        "1002": {"admin", "vertrieb", "debitoren", "gf1002"},
    },
    ("PATCH", "/api/v1/partners/{partner_no:int}"): {"1001": {"admin"}, "1002": {"admin"}},
    ("GET", "/api/v1/tasks"): ALL,
    ("POST", "/api/v1/tasks"): ALL,
    ("GET", "/api/v1/tasks/{task_id:int}"): TASK_READERS,
    ("PATCH", "/api/v1/tasks/{task_id:int}"): TASK_READERS,
    ("GET", "/aufgaben"): ALL,
    ("GET", "/aufgaben/neu"): ALL,
    ("POST", "/aufgaben/neu"): ALL,
    ("GET", "/aufgaben/{task_id:int}"): TASK_READERS,
    ("GET", "/aufgaben/partner/{partner_no:int}"): {
        "1001": {"admin", "vertrieb", "debitoren", "gf1001", "bh1001"},
        "1002": {"admin", "vertrieb", "debitoren", "gf1002"},
    },
    ("POST", "/aufgaben/{task_id:int}"): TASK_READERS,
    ("GET", "/kalender"): ALL,
    ("GET", "/kalender/abo"): ALL,
    ("POST", "/kalender/abo"): ALL,
    ("GET", "/kalender/neu"): PLANNERS,
    ("POST", "/kalender/neu"): PLANNERS,
    ("GET", "/kalender/termine/{appointment_id:int}"): APPOINTMENT_READERS,
    ("GET", "/kalender/termine/{appointment_id:int}/ics"): APPOINTMENT_READERS,
    ("POST", "/kalender/termine/{appointment_id:int}"): APPOINTMENT_EDITORS,
    ("POST", "/kalender/termine/{appointment_id:int}/absagen"): APPOINTMENT_EDITORS,
    ("POST", "/kalender/termine/{appointment_id:int}/bericht"): APPOINTMENT_EDITORS,
    ("GET", "/kalender/feed/{token:str}"): PUBLIC,  # the secret token is the key (tests/calendar)
    ("GET", "/api/v1/appointments"): ALL,
    ("POST", "/api/v1/appointments"): PLANNERS,
    ("PATCH", "/api/v1/appointments/{appointment_id:int}"): APPOINTMENT_EDITORS,
    ("DELETE", "/api/v1/appointments/{appointment_id:int}"): APPOINTMENT_EDITORS,
    ("GET", "/api/v1/me/calendar"): ALL,
    ("GET", "/api/v1/notifications"): ALL,
    ("POST", "/api/v1/notifications/read"): ALL,
    ("GET", "/benachrichtigungen"): ALL,
    ("GET", "/benachrichtigungen/anzahl"): ALL,
    ("POST", "/benachrichtigungen/gelesen"): ALL,
    ("GET", "/benachrichtigungen/{notification_id:int}"): ALL,  # someone else's id leads to one's own list
    ("POST", "/benachrichtigungen/email"): ALL,
    ("POST", "/logout"): ALL,  # checked by its effect: afterwards the session is gone
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/login/code"): PUBLIC,
    ("POST", "/login/code"): PUBLIC,
    ("POST", "/login/code/sms"): PUBLIC,
    ("GET", "/static/{file_path:path}"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    **{
        ("GET", path): PUBLIC
        for path in (
            "/schema",
            "/schema/openapi.json",
            "/schema/openapi.yaml",
            "/schema/openapi.yml",
            "/schema/{path:str}",
        )
    },
    **{
        (method, path): ADMIN
        for method, path in (
            ("GET", "/admin"),
            ("GET", "/api/v1/classes"),
            ("POST", "/api/v1/imports/{kind:str}"),
            ("GET", "/api/v1/users"),
            ("POST", "/api/v1/users"),
            ("GET", "/api/v1/users/{username:str}"),
            ("PATCH", "/api/v1/users/{username:str}"),
            ("GET", "/admin/protokoll"),
            ("GET", "/admin/einstellungen"),
            ("POST", "/admin/einstellungen"),
            ("GET", "/admin/lieferantendaten"),
            ("POST", "/admin/lieferantendaten/pruefen"),
            ("POST", "/admin/lieferantendaten/uebernehmen"),
            ("GET", "/admin/lieferantendaten/laeufe/{run_id:int}"),
            ("POST", "/admin/lieferantendaten/quellen"),
            ("GET", "/admin/benutzer"),
            ("GET", "/admin/benutzer/neu"),
            ("POST", "/admin/benutzer/neu"),
            ("GET", "/admin/benutzer/{user_id:int}"),
            ("POST", "/admin/benutzer/{user_id:int}"),
            ("POST", "/admin/benutzer/{user_id:int}/deaktivieren"),
            ("POST", "/admin/benutzer/{user_id:int}/aktivieren"),
            ("POST", "/admin/benutzer/{user_id:int}/passwort"),
            ("POST", "/admin/benutzer/{user_id:int}/zweiter-faktor"),
            ("POST", "/admin/benutzer/{user_id:int}/entsperren"),
            ("GET", "/admin/berechtigungen"),
            ("POST", "/admin/berechtigungen"),
            ("GET", "/admin/berechtigungen/{class_id:int}"),
            ("POST", "/admin/berechtigungen/{class_id:int}"),
            ("POST", "/admin/berechtigungen/{class_id:int}/rechte"),
            ("POST", "/admin/berechtigungen/{class_id:int}/rechte/{grant_id:int}/entfernen"),
            ("GET", "/admin/partner"),
            ("GET", "/admin/partner/neu"),
            ("POST", "/admin/partner/neu"),
            ("GET", "/admin/partner/{partner_id:int}"),
            ("GET", "/admin/partner/{partner_id:int}/stammdaten"),
            ("POST", "/admin/partner/{partner_id:int}/stammdaten"),
            ("POST", "/admin/partner/{partner_id:int}"),
            ("POST", "/admin/partner/{partner_id:int}/deaktivieren"),
            ("POST", "/admin/partner/{partner_id:int}/aktivieren"),
            ("GET", "/admin/gebiete"),
            ("POST", "/admin/gebiete/neu"),
            ("GET", "/admin/gebiete/{territory_id:int}"),
            ("POST", "/admin/gebiete/{territory_id:int}"),
            ("POST", "/admin/gebiete/{territory_id:int}/deaktivieren"),
            ("POST", "/admin/gebiete/{territory_id:int}/aktivieren"),
            ("GET", "/admin/gruppen"),
            ("GET", "/admin/gruppen/neu"),
            ("POST", "/admin/gruppen/neu"),
            ("POST", "/admin/gruppen/vorschau"),
            ("GET", "/admin/gruppen/{group_id:int}"),
            ("POST", "/admin/gruppen/{group_id:int}"),
            ("POST", "/admin/gruppen/{group_id:int}/deaktivieren"),
            ("POST", "/admin/gruppen/{group_id:int}/aktivieren"),
        )
    },
}


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
            on g.class_id = c.id where c.key = 'marketing'""").fetchall()
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
    return {
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
