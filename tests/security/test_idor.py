"""IDOR: a user of another partner tries every partner-, group-, room-, message-, token- and
session-scoped id of partner 1001 and its user gf1001, by page, form, API and socket (issue 7).

The attacker is gf1003: managing director of partner 1003, which is in neither Region Nord
(group and room) nor the ERFA-Kreis Werkstatt. Each attempt is refused (401/403/404, or the
page falls back to the attacker's own group without naming the foreign one), and afterwards
nothing of gf1001's has changed.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date

import httpx

from kpi.months import add_months, format_month, month_of
from tests.chat.support import connected
from tests.support.files import pdf_with
from tests.support.personas import SignIn, csrf_field
from tests.support.tokens import token_for

MONTH = format_month(month_of(date.today()))
LAST_MONTH = format_month(add_months(month_of(date.today()), -1))
VICTIM = "(select id from users where username = 'gf1001')"


def victim_ids(database_url: str) -> dict[str, int]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:

        def one(sql: str) -> int:
            return int(db.execute(sql).fetchone()[0])

        return {
            "nord": one("select id from comparison_groups where name = 'Region Nord'"),
            "erfa": one("select id from comparison_groups where name = 'ERFA-Kreis Werkstatt'"),
            "room": one("select id from chat_rooms where name = 'Region Nord'"),
            "session": one(
                "select s.id from user_sessions s join users u on u.id = s.user_id "
                "where u.username = 'gf1001' and s.ended_at is null"
            ),
            "token": one(
                "select t.id from access_tokens t join users u on u.id = t.user_id "
                "where u.username = 'gf1001' and t.revoked_at is null"
            ),
        }


def state_of(database_url: str) -> list[object]:
    """What the attempts must leave as it was."""
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return [
            *db.execute("select count(*), max(id) from figure_revisions"),
            *db.execute("select id, body, edited_at, removed_at from chat_messages order by id"),
            *db.execute("select count(*) from chat_read_markers"),
            *db.execute(f"select id, revoked_at from access_tokens where user_id = {VICTIM} order by id"),
            *db.execute(f"select id, ended_at from user_sessions where user_id = {VICTIM} order by id"),
        ]


def refused(answer: httpx.Response) -> bool:
    if answer.status_code in (401, 403, 404):
        return True
    return answer.is_redirect and answer.headers.get("location", "").startswith("/login")


async def test_another_partners_user_reaches_no_object_of_partner_1001(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    token = await token_for(demo_sqlite, "gf1003")
    async with httpx.AsyncClient(base_url=portal) as victim:
        await sign_in(victim, "gf1001")
        await token_for(demo_sqlite, "gf1001")
        ids = victim_ids(demo_sqlite)
        async with connected(portal, demo_sqlite, "gf1001") as author:
            message = (await author.call("chat:send", {"room": ids["room"], "body": "Nur Nord"}))["id"]
        before = state_of(demo_sqlite)
        nord, erfa, room = ids["nord"], ids["erfa"], ids["room"]
        async with (
            httpx.AsyncClient(base_url=portal) as attacker,
            httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api,
        ):
            await sign_in(attacker, "gf1003")
            csrf = csrf_field((await attacker.get("/konto")).text)
            form = {"_csrf_token": csrf}
            entry, figure = {**form, "units_new": "1"}, f"/erfassung/1001/{MONTH}"
            victims = f"/chat/nachricht/{message}"  # gf1001's message in Region Nord
            answers = {
                "GET figures API": await api.get(f"/api/v1/partners/1001/figures/{LAST_MONTH}"),
                "PUT figures API": await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"units_new": 1}),
                "benchmark API, Nord": await api.get("/api/v1/benchmark", params={"group": nord, "period": LAST_MONTH}),
                "benchmark API, ERFA": await api.get("/api/v1/benchmark", params={"group": erfa, "period": LAST_MONTH}),
                "entry form": await attacker.get(f"/erfassung/1001/{MONTH}"),
                "entry submit": await attacker.post(figure, data=entry),
                "entry preview": await attacker.post(f"{figure}/vorschau", data=entry),
                "questionnaire": await attacker.get(f"/erfassung/1001/vorlage/{MONTH[:4]}"),
                "partner page": await attacker.get("/zentrale/partner/1001"),
                "room page": await attacker.get(f"/chat/{room}"),
                "room history": await attacker.get(f"/chat/{room}/verlauf", params={"vor": message + 1}),
                "room post": await attacker.post(f"/chat/{room}", data={**form, "body": "Hallo Nord"}),
                "share into room": await attacker.post(
                    "/chat/teilen", data={**form, "room": str(room), "link": "/analyse", "comment": "x"}
                ),
                "edit message": await attacker.post(f"{victims}/bearbeiten", data={**form, "body": "?"}),
                "delete message": await attacker.post(f"{victims}/loeschen", data=form),
                "revoke token": await attacker.post(f"/konto/token/{ids['token']}/widerrufen", data=form),
                "end session": await attacker.post(f"/konto/sitzungen/{ids['session']}/beenden", data=form),
            }
            group_pages = [
                await attacker.get(path, params={"gruppe": group, "monat": LAST_MONTH})
                for group in (nord, erfa)
                for path in ("/analyse", "/analyse/verlauf", "/analyse/export/csv", "/analyse/diagramm/profile")
            ]
        async with connected(portal, demo_sqlite, "gf1003") as outsider:
            acks = {e: await outsider.call(e, {"room": room, "id": message}) for e in ("chat:history", "chat:read")}
        assert (await victim.get("/")).status_code == 200, "the victim's session lives on"
    assert {name for name, answer in answers.items() if not refused(answer)} == set()
    assert [p.url.path for p in group_pages if p.status_code == 200 and re.search("Region Nord|ERFA", p.text)] == []
    assert all(p.status_code < 500 for p in group_pages)
    assert list(acks.values()) == [{"ok": False, "error": "Diesen Raum dürfen Sie nicht lesen."}] * 2
    assert state_of(demo_sqlite) == before


async def test_gf1002_reaches_none_of_1001s_work_by_page_api_socket_or_feed(
    api: dict[str, httpx.AsyncClient], sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    """Issue 26: a task, a visit, a circular, a file in the exchange folder, the conversation and the
    notifications of partner 1001 stay out of reach of gf1002 (managing director of 1002)."""
    task = (
        await api["vertrieb"].post("/api/v1/tasks", json={"title": "T", "partner": 1001, "assignee": "gf1001"})
    ).json()
    start = "2031-03-03T10:00:00+01:00"
    visit = (
        await api["vertrieb"].post(
            "/api/v1/appointments",
            json={
                "title": "Besuch",
                "partner": 1001,
                "start": start,
                "end": start.replace("10:", "11:"),
                "invitees": ["gf1001"],
            },
        )
    ).json()
    files = {"file": ("a.pdf", pdf_with("Nur 1001"))}
    circular = (
        await api["vertrieb"].post(
            "/api/v1/documents", data={"title": "R", "circular": "1", "partners": "1001"}, files=files
        )
    ).json()
    exchange = (await api["gf1001"].post("/api/v1/documents", data={"title": "Vertrag"}, files=files)).json()
    note = (await api["gf1001"].get("/api/v1/notifications")).json()["items"][0]
    feed = (await api["gf1001"].get("/api/v1/me/calendar")).json()["url"]
    async with httpx.AsyncClient(base_url=portal) as staff, httpx.AsyncClient(base_url=portal) as attacker:
        await sign_in(staff, "vertrieb")
        conversation = (await staff.get("/chat/gespraech", params={"partner": 1001})).headers["location"]
        room = int(conversation.rsplit("/", 1)[1])
        await sign_in(attacker, "gf1002")
        form = {"_csrf_token": csrf_field((await attacker.get("/konto")).text)}
        theirs = api["gf1002"]
        answers = {
            "task page": await attacker.get(f"/aufgaben/{task['id']}"),
            "task change": await attacker.post(f"/aufgaben/{task['id']}", data={**form, "status": "done"}),
            "task API": await theirs.get(f"/api/v1/tasks/{task['id']}"),
            "task API change": await theirs.patch(f"/api/v1/tasks/{task['id']}", json={"status": "done"}),
            "partner's tasks": await attacker.get("/aufgaben/partner/1001"),
            "visit page": await attacker.get(f"/kalender/termine/{visit['id']}"),
            "visit ics": await attacker.get(f"/kalender/termine/{visit['id']}/ics"),
            "visit API change": await theirs.patch(f"/api/v1/appointments/{visit['id']}", json={"title": "x"}),
            "visit API cancel": await theirs.delete(f"/api/v1/appointments/{visit['id']}"),
            "circular page": await attacker.get(f"/dokumente/{circular['id']}"),
            "circular confirm": await attacker.post(f"/dokumente/{circular['id']}/gelesen", data=form),
            "circular API": await theirs.get(f"/api/v1/documents/{circular['id']}/file"),
            "exchange page": await attacker.get(f"/dokumente/{exchange['id']}"),
            "exchange file": await attacker.get(f"/dokumente/{exchange['id']}/datei"),
            "exchange folder": await attacker.get("/dokumente/austausch/1001"),
            "exchange API": await theirs.get(f"/api/v1/documents/{exchange['id']}"),
            "conversation": await attacker.get(conversation),
            "conversation by partner": await attacker.get("/chat/gespraech", params={"partner": 1001}),
            "guessed feed": await attacker.get(feed.split("/", 3)[3].replace("cal_", "cal_x", 1).join(["/", ""])),
        }
        listed = {
            "tasks": [t["id"] for t in (await theirs.get("/api/v1/tasks")).json()["items"]],
            "appointments": [a["id"] for a in (await theirs.get("/api/v1/appointments")).json()],
            "documents": [d["id"] for d in (await theirs.get("/api/v1/documents")).json()["items"]],
        }
        await theirs.post("/api/v1/notifications/read", json=[note["id"]])
        opened = await attacker.get(f"/benachrichtigungen/{note['id']}")
        own_feed = await attacker.get("/" + (await theirs.get("/api/v1/me/calendar")).json()["url"].split("/", 3)[3])
        async with (
            connected(portal, demo_sqlite, "gf1002") as outsider,
            connected(portal, demo_sqlite, "gf1001") as owner,
        ):
            history = await outsider.call("chat:history", {"room": room})
            await api["vertrieb"].post("/api/v1/tasks", json={"title": "Live", "partner": 1001, "assignee": "gf1001"})
            assert (await owner.next("notification:new"))["title"] == "Neue Aufgabe: Live"
            assert await outsider.nothing("notification:new")
    assert {name for name, answer in answers.items() if not refused(answer)} == set()
    assert listed == {
        "tasks": [t for t in listed["tasks"] if t != task["id"]],
        "appointments": [a for a in listed["appointments"] if a != visit["id"]],
        "documents": [d for d in listed["documents"] if d not in (circular["id"], exchange["id"])],
    }
    assert opened.headers["location"] == "/benachrichtigungen"
    assert own_feed.status_code == 200 and visit["uid"] not in own_feed.text
    assert "SUMMARY:T\r\n" not in own_feed.text and f"task-{task['id']}@" not in own_feed.text
    assert history["ok"] is False
    mine = {n["id"]: n for n in (await api["gf1001"].get("/api/v1/notifications")).json()["items"]}
    assert mine[note["id"]]["read"] is False
    assert (await api["vertrieb"].get(f"/api/v1/tasks/{task['id']}")).json()["status"] == "open"
    assert (await api["vertrieb"].get("/api/v1/appointments")).json()[0]["title"] != "x"
