"""`/api/v1/appointments` and `/api/v1/me/calendar` (shared/CONTRACT.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from litestar import Request, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.middleware import requires
from app.auth.permissions import Principal
from app.calendar.feed import feed_token
from app.calendar.service import (
    AppointmentInput,
    between,
    cancel,
    change,
    invitee_ids,
    may_plan,
    plan,
    visible_appointment,
)
from app.models import Appointment, Partner, User
from app.web.api_input import InvalidInput, refused
from app.web.forms import InvalidForm

CalendarRequest = Request[Principal, Any, State]
UNSET = msgspec.UNSET
PLANNERS = [requires(may_plan)]


class NewAppointment(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    start: datetime
    end: datetime
    invitees: list[str] = []
    partner: int | None = None
    place: str = ""
    agenda: str = ""
    kind: str = "visit"


class AppointmentChange(msgspec.Struct, forbid_unknown_fields=True):
    title: str | msgspec.UnsetType = UNSET
    start: datetime | msgspec.UnsetType = UNSET
    end: datetime | msgspec.UnsetType = UNSET
    invitees: list[str] | msgspec.UnsetType = UNSET
    place: str | msgspec.UnsetType = UNSET
    agenda: str | msgspec.UnsetType = UNSET


class AppointmentOut(msgspec.Struct):
    id: int
    uid: str
    title: str
    kind: str
    partner: int | None
    start: str
    end: str
    place: str
    agenda: str
    organizer: str
    invitees: list[str]
    status: str


class CalendarFeedOut(msgspec.Struct):
    url: str


async def _out(session: AsyncSession, appointment: Appointment) -> AppointmentOut:
    ids = await invitee_ids(session, appointment)
    names = dict(
        (
            await session.execute(select(User.id, User.username).where(User.id.in_([*ids, appointment.organizer_id])))
        ).all()
    )
    number = (
        await session.scalar(select(Partner.number).where(Partner.id == appointment.partner_id))
        if appointment.partner_id
        else None
    )
    return AppointmentOut(
        appointment.id,
        appointment.uid,
        appointment.title,
        appointment.kind,
        number,
        appointment.start.isoformat(),
        appointment.end.isoformat(),
        appointment.place,
        appointment.agenda,
        names.get(appointment.organizer_id, ""),
        sorted(names[i] for i in ids if i in names),
        appointment.status,
    )


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput(
            f"{name}: bitte mit Zeitzone (ISO 8601, z. B. 2026-12-08T10:00:00+01:00).",
            extra=[{"key": name, "message": "ohne Zeitzone"}],
        )
    return moment


@get("/api/v1/appointments", tags=["Termine"])
async def list_appointments(
    request: CalendarRequest, start: FromQuery[datetime | None] = None, end: FromQuery[datetime | None] = None
) -> list[AppointmentOut]:
    """The appointments the caller may see between `start` and `end` (default: the last 7 and next 90 days)."""
    now = datetime.now(UTC)
    since = start.astimezone(UTC) if start and start.tzinfo else now - timedelta(days=7)
    until = end.astimezone(UTC) if end and end.tzinfo else now + timedelta(days=90)
    async with request.app.state.db.read() as session:
        rows = await between(session, request.user, since, until, mine_only=False)
        return [await _out(session, a) for a in rows[:500]]


@post("/api/v1/appointments", guards=PLANNERS, tags=["Termine"], status_code=201)
async def create_appointment(request: CalendarRequest, data: JSONBody[NewAppointment]) -> AppointmentOut:
    """Plan an appointment (Zentrale staff); the invitees are notified."""
    body = AppointmentInput(
        data.title,
        data.partner or 0,
        _aware(data.start, "start"),
        _aware(data.end, "end"),
        data.place,
        data.agenda,
        data.invitees,
        data.kind,
    )
    try:
        async with request.app.state.db.transaction() as session:
            appointment, event = await plan(session, request.user, body)
            out = await _out(session, appointment)
    except InvalidForm as exc:
        raise refused(exc) from exc
    await request.app.state.events.publish(event)
    return out


@patch("/api/v1/appointments/{appointment_id:int}", guards=PLANNERS, tags=["Termine"])
async def change_appointment_api(
    request: CalendarRequest, appointment_id: FromPath[int], data: JSONBody[AppointmentChange]
) -> AppointmentOut:
    body = AppointmentInput(
        title=None if data.title is UNSET else data.title,
        start=None if data.start is UNSET else _aware(data.start, "start"),
        end=None if data.end is UNSET else _aware(data.end, "end"),
        invitees=None if data.invitees is UNSET else data.invitees,
        place=None if data.place is UNSET else data.place,
        agenda=None if data.agenda is UNSET else data.agenda,
    )
    try:
        async with request.app.state.db.transaction() as session:
            appointment = await visible_appointment(session, request.user, appointment_id)
            event = await change(session, request.user, appointment, body)
            out = await _out(session, appointment)
    except InvalidForm as exc:
        raise refused(exc) from exc
    if event is not None:
        await request.app.state.events.publish(event)
    return out


@delete("/api/v1/appointments/{appointment_id:int}", guards=PLANNERS, tags=["Termine"], status_code=200)
async def cancel_appointment_api(request: CalendarRequest, appointment_id: FromPath[int]) -> AppointmentOut:
    """Cancel: the appointment stays, as cancelled, in every calendar feed that had it."""
    try:
        async with request.app.state.db.transaction() as session:
            appointment = await visible_appointment(session, request.user, appointment_id)
            event = await cancel(session, request.user, appointment)
            out = await _out(session, appointment)
    except InvalidForm as exc:
        raise refused(exc) from exc
    if event is not None:
        await request.app.state.events.publish(event)
    return out


@get("/api/v1/me/calendar", tags=["Termine"])
async def my_calendar(request: CalendarRequest) -> CalendarFeedOut:
    """The caller's secret iCalendar feed address."""
    async with request.app.state.db.transaction() as session:
        token = await feed_token(session, request.user.user_id)
    return CalendarFeedOut(f"{request.app.state.settings.portal_url}/kalender/feed/{token}.ics")


ROUTES = [list_appointments, create_appointment, change_appointment_api, cancel_appointment_api, my_calendar]
