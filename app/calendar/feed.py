"""iCalendar (RFC 5545) for calendars that subscribe to a user's secret feed, and per appointment.

Times are given in Europe/Berlin with its VTIMEZONE; each appointment keeps its UID for good and
counts its changes in SEQUENCE, a cancelled one comes as STATUS:CANCELLED (so a subscribed
calendar removes it); a task's due date is an all-day event.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.service import BERLIN
from app.models import Appointment, CalendarFeed, Partner, Task, utcnow

PRODID = "-//Partnerportal//Kalender//DE"
FEED_DAYS_BACK = 90


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Berlin")
    return calendar


def _event(appointment: Appointment, partner: Partner | None, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"{appointment.uid}@partnerportal")
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", appointment.updated_at)
    event.add("last-modified", appointment.updated_at)
    event.add("dtstart", appointment.start.astimezone(BERLIN))
    event.add("dtend", appointment.end.astimezone(BERLIN))
    title = f"{appointment.title} – {partner.name}" if partner else appointment.title
    event.add("summary", title)
    if appointment.place:
        event.add("location", appointment.place)
    event.add(
        "description",
        (appointment.agenda + "\n\n" if appointment.agenda else "") + f"{base_url}/kalender/termine/{appointment.id}",
    )
    event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
    return event


def _due(task: Task, base_url: str) -> Event:
    assert task.due is not None
    event = Event()
    event.add("uid", f"task-{task.id}@partnerportal")
    event.add("dtstamp", task.updated_at)
    event.add("dtstart", task.due)
    event.add("dtend", task.due + timedelta(days=1))
    event.add("summary", f"Fällig: {task.title}")
    event.add("description", f"{base_url}/aufgaben/{task.id}")
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if task.status in ("done", "dropped") else "CONFIRMED")
    return event


def render(
    name: str, appointments: Iterable[tuple[Appointment, Partner | None]], tasks: Iterable[Task], base_url: str
) -> bytes:
    calendar = _calendar(name)
    for appointment, partner in appointments:
        calendar.add_component(_event(appointment, partner, base_url))
    for task in tasks:
        if task.due is not None:
            calendar.add_component(_due(task, base_url))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


async def feed_token(session: AsyncSession, user_id: int, *, renew: bool = False) -> str:
    """The user's secret feed token (made at first need); `renew` revokes it for a new one."""
    current = await session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user_id, CalendarFeed.active))
    if current is not None and not renew:
        return current.token
    await session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.active)
        .values(active=False, revoked_at=utcnow())
    )
    token = "cal_" + secrets.token_urlsafe(32)
    session.add(CalendarFeed(user_id=user_id, token=token))
    return token


async def feed_owner(session: AsyncSession, token: str) -> int | None:
    if not token.startswith("cal_") or len(token) > 64:
        return None
    return await session.scalar(select(CalendarFeed.user_id).where(CalendarFeed.token == token, CalendarFeed.active))


def window(today: date) -> tuple[datetime, datetime]:
    start = datetime.combine(today - timedelta(days=FEED_DAYS_BACK), datetime.min.time(), BERLIN)
    return start, start + timedelta(days=FEED_DAYS_BACK + 400)
