"""Appointments, visit reports and the iCalendar feed, as calendars and the people in them see them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar

from tests.chat.support import execute
from tests.support.personas import SignIn, csrf_field
from tests.support.tokens import token_for

START = (datetime.now(UTC) + timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)


async def _visit(api: dict[str, httpx.AsyncClient]) -> dict[str, object]:
    made = await api["vertrieb"].post(
        "/api/v1/appointments",
        json={
            "title": "Jahresgespräch",
            "partner": 1001,
            "start": START.isoformat(),
            "end": (START + timedelta(hours=2)).isoformat(),
            "place": "Rendsburg",
            "invitees": ["gf1001"],
        },
    )
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


async def _feed(portal: str, api: httpx.AsyncClient) -> icalendar.Calendar:
    url = (await api.get("/api/v1/me/calendar")).json()["url"]
    path = "/" + url.split("/", 3)[3]
    async with httpx.AsyncClient(base_url=portal) as anonymous:  # a calendar app has no session
        answer = await anonymous.get(path)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(answer.content)


def _event(calendar: icalendar.Calendar, uid: str) -> icalendar.Event:
    (event,) = [c for c in calendar.walk("VEVENT") if str(c["UID"]) == uid]
    return event


async def test_the_feed_carries_an_appointment_through_change_and_cancellation(
    api: dict[str, httpx.AsyncClient], portal: str
) -> None:
    visit = await _visit(api)
    uid = f"{visit['uid']}@partnerportal"
    feed = await _feed(portal, api["gf1001"])
    event = _event(feed, uid)
    assert event["SEQUENCE"] == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == START and str(event["DTSTART"].params["TZID"]) == "Europe/Berlin"
    assert [str(tz["TZID"]) for tz in feed.walk("VTIMEZONE")] == ["Europe/Berlin"]
    later = START + timedelta(days=1)
    moved = await api["vertrieb"].patch(
        f"/api/v1/appointments/{visit['id']}",
        json={"start": later.isoformat(), "end": (later + timedelta(hours=1)).isoformat()},
    )
    assert moved.status_code == 200, moved.text
    event = _event(await _feed(portal, api["gf1001"]), uid)
    assert event["SEQUENCE"] == 1 and event.decoded("DTSTART") == later, "same UID, next sequence"
    cancelled = await api["vertrieb"].delete(f"/api/v1/appointments/{visit['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    event = _event(await _feed(portal, api["gf1001"]), uid)
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 2
    kinds = [n["kind"] for n in (await api["gf1001"].get("/api/v1/notifications")).json()["items"]]
    assert kinds[:3] == ["appointment", "appointment", "appointment"]  # planned, changed, cancelled


async def test_a_revoked_or_unknown_feed_answers_404(
    api: dict[str, httpx.AsyncClient], portal: str, sign_in: SignIn
) -> None:
    old = (await api["gf1001"].get("/api/v1/me/calendar")).json()["url"]
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        page = await browser.get("/kalender/abo")
        renewed = await browser.post("/kalender/abo", data={"_csrf_token": csrf_field(page.text)})
        assert "alte funktioniert nicht mehr" in renewed.text
        assert (await browser.get("/" + old.split("/", 3)[3])).status_code == 404
        assert (await browser.get("/kalender/feed/cal_erfunden.ics")).status_code == 404
    new = (await api["gf1001"].get("/api/v1/me/calendar")).json()["url"]
    assert new != old


async def test_no_one_else_reaches_the_visit(api: dict[str, httpx.AsyncClient], portal: str, sign_in: SignIn) -> None:
    visit = await _visit(api)
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1002")
        assert (await browser.get(f"/kalender/termine/{visit['id']}")).status_code == 404
        assert (await browser.get(f"/kalender/termine/{visit['id']}/ics")).status_code == 404
    for who in ("gf1002", "gebiet-sued"):
        listed = (await api[who].get("/api/v1/appointments")).json()
        assert visit["id"] not in [a["id"] for a in listed], who
        assert not [c for c in (await _feed(portal, api[who])).walk("VEVENT") if str(visit["uid"]) in str(c["UID"])]
    assert (await api["gf1001"].patch(f"/api/v1/appointments/{visit['id']}", json={"title": "x"})).status_code == 403
    refused = await api["vertrieb"].post(
        "/api/v1/appointments",
        json={
            "title": "x",
            "partner": 1001,
            "start": START.isoformat(),
            "end": START.isoformat(),
            "invitees": ["gf1002"],
        },
    )
    assert refused.status_code == 422
    assert {e["key"] for e in refused.json()["extra"]} == {"end", "invitees"}


async def test_the_report_reaches_the_partner_once_released_and_its_follow_ups_become_tasks(
    api: dict[str, httpx.AsyncClient], portal: str, sign_in: SignIn
) -> None:
    visit = await _visit(api)
    page_url = f"/kalender/termine/{visit['id']}"
    async with httpx.AsyncClient(base_url=portal) as zentrale, httpx.AsyncClient(base_url=portal) as owner:
        await sign_in(zentrale, "vertrieb")
        await sign_in(owner, "gf1001")
        page = await zentrale.get(page_url)
        report = {
            "_csrf_token": csrf_field(page.text),
            "body": "Ausstellung im Frühjahr besprochen.",
            "f0_title": "Ausstellungsfläche planen",
            "f0_assignee": "gf1001",
            "f0_due": (START + timedelta(days=14)).date().isoformat(),
            "f1_title": "Angebot Vorführmaschine",
            "f1_assignee": "vertrieb",
        }
        assert (await zentrale.post(f"{page_url}/bericht", data=report)).status_code == 303
        assert "Ausstellung im Frühjahr" not in (await owner.get(page_url)).text, "not yet released"
        assert (
            await zentrale.post(
                f"{page_url}/bericht",
                data={**report, "freigeben": "1", "f0_title": "", "f0_assignee": "", "f1_title": "", "f1_assignee": ""},
            )
        ).status_code == 303
        seen = await owner.get(page_url)
    assert "Ausstellung im Frühjahr" in seen.text and "Ausstellungsfläche planen" in seen.text
    mine = (await api["gf1001"].get("/api/v1/tasks", params={"assignee": "me"})).json()["items"]
    assert "Ausstellungsfläche planen" in [t["title"] for t in mine]
    kinds = [n["title"] for n in (await api["gf1001"].get("/api/v1/notifications")).json()["items"]]
    assert any(t.startswith("Besuchsbericht") for t in kinds) and any("Ausstellungsfläche" in t for t in kinds)


async def test_follow_ups_become_tasks_exactly_once_even_if_the_worker_died_after_the_report(
    portal_with: Callable[..., Any], demo_sqlite: str
) -> None:
    """The follow-ups are kept with the report in its transaction; the tasks' job makes what the
    event did not (here: a report written straight into the database, as if its worker died right
    after the commit) and never makes one twice."""
    async with portal_with(reminder_interval_seconds=1) as base:
        token = await token_for(demo_sqlite, "vertrieb")
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as staff:
            visit = (await _visit({"vertrieb": staff}))["id"]
            follow_ups = json.dumps(
                [
                    {
                        "key": f"{visit}:0",
                        "title": "Prospekte nachsenden",
                        "assignee_id": _user(demo_sqlite, "gf1001"),
                        "due": None,
                    },
                    {
                        "key": f"{visit}:1",
                        "title": "Angebot schreiben",
                        "assignee_id": _user(demo_sqlite, "vertrieb"),
                        "due": "2031-01-15",
                    },
                ]
            )
            # In a thread: the portal shares this event loop and may be writing (the visit's notices).
            await asyncio.to_thread(
                execute,
                demo_sqlite,
                "insert into visit_reports (appointment_id, body, author_id, updated_at, follow_ups)"
                " values (?, 'Besprochen.', ?, ?, ?)",
                visit,
                _user(demo_sqlite, "vertrieb"),
                datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
                follow_ups,
            )
            for _ in range(100):
                made = await asyncio.to_thread(
                    execute, demo_sqlite, "select title, follow_up_key from tasks where appointment_id = ?", visit
                )
                if len(made) == 2:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(2.5)  # two more runs of the job: nothing more
            made = await asyncio.to_thread(
                execute, demo_sqlite, "select title, due from tasks where appointment_id = ? order by id", visit
            )
            assert made == [("Prospekte nachsenden", None), ("Angebot schreiben", "2031-01-15")]
            director = await token_for(demo_sqlite, "gf1001")
            async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {director}"}) as owner:
                notes = (await owner.get("/api/v1/notifications")).json()["items"]
            assert [n["title"] for n in notes if "Prospekte" in n["title"]] == ["Neue Aufgabe: Prospekte nachsenden"]


def _user(database_url: str, username: str) -> int:
    return int(execute(database_url, "select id from users where username = ?", username)[0][0])
