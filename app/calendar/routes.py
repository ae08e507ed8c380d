"""Calendar pages: the personal calendar (week, month, list), planning a visit, an appointment with its
report, the `.ics` of one appointment, and the secret feed calendars subscribe to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import or_, select

from app.auth.middleware import requires
from app.auth.permissions import Principal
from app.calendar.feed import feed_owner, feed_token, render, window
from app.calendar.service import (
    BERLIN,
    AppointmentInput,
    FollowUp,
    between,
    cancel,
    change,
    invitee_ids,
    may_plan,
    plan,
    report_for,
    visible_appointment,
    write_report,
)
from app.calendar.views import VIEWS, bounds, days_of, span_of, step
from app.models import Appointment, Invitee, Partner, Task, User
from app.web.forms import FormBody, InvalidForm, form_number, raw, text

CalendarRequest = Request[Principal, Any, State]
FOLLOW_UP_ROWS = 3
PLANNERS = [requires(may_plan)]


def _moment(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidForm({name: f"„{value}“ ist kein Zeitpunkt."}) from exc


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def _own_tasks(request: CalendarRequest, first: date, last: date) -> list[Task]:
    async with request.app.state.db.read() as session:
        return list(
            await session.scalars(
                select(Task).where(
                    Task.assignee_id == request.user.user_id,
                    Task.due >= first,
                    Task.due <= last,
                    Task.status.in_(("open", "in_progress")),
                )
            )
        )


@get("/kalender", include_in_schema=False)
async def calendar_page(
    request: CalendarRequest, ansicht: FromQuery[str] = "liste", datum: FromQuery[str] = ""
) -> Template:
    view = ansicht if ansicht in VIEWS else "liste"
    anchor = _day(datum) or date.today()
    first, last = span_of(view, anchor)
    start, end = bounds(first, last)
    async with request.app.state.db.read() as session:
        appointments = await between(session, request.user, start, end)
        partners = dict(
            (
                await session.execute(
                    select(Partner.id, Partner.name).where(
                        Partner.id.in_({a.partner_id for a in appointments if a.partner_id})
                    )
                )
            ).all()
        )
        token = await feed_token(session, request.user.user_id) if "feed" in request.query_params else None
    tasks = await _own_tasks(request, first, last)
    days = days_of(first, last, appointments, tasks, anchor.month if view == "monat" else None)
    return Template(
        "calendar/page.html",
        context={
            "view": view,
            "views": VIEWS,
            "anchor": anchor,
            "days": days if view != "liste" else [d for d in days if d.appointments or d.tasks],
            "previous": step(view, anchor, False),
            "next": step(view, anchor, True),
            "partners": partners,
            "may_plan": may_plan(request.user),
            "berlin": BERLIN,
            "today": date.today(),
            "feed": token,
        },
    )


@post("/kalender/abo", include_in_schema=False, status_code=200)
async def renew_feed(request: CalendarRequest) -> Template:
    """A new secret subscription address; the old one stops working at once."""
    async with request.app.state.db.transaction() as session:
        token = await feed_token(session, request.user.user_id, renew=True)
    return Template(
        "calendar/feed.html",
        context={"url": f"{request.app.state.settings.portal_url}/kalender/feed/{token}.ics", "renewed": True},
    )


@get("/kalender/abo", include_in_schema=False)
async def show_feed(request: CalendarRequest) -> Template:
    async with request.app.state.db.transaction() as session:
        token = await feed_token(session, request.user.user_id)
    return Template(
        "calendar/feed.html",
        context={"url": f"{request.app.state.settings.portal_url}/kalender/feed/{token}.ics", "renewed": False},
    )


@get("/kalender/feed/{token:str}", include_in_schema=False)
async def feed(request: Request[Any, Any, State], token: FromPath[str]) -> Response[bytes]:
    """The subscription itself: no session, the secret token in the address is the key (404 if unknown or revoked)."""
    token = token.removesuffix(".ics")
    async with request.app.state.db.read() as session:
        owner = await feed_owner(session, token)
        if owner is None:
            raise NotFoundException("Diese Kalender-Adresse gibt es nicht (mehr).")
        user = await session.get(User, owner)
        start, end = window(date.today())
        invited = select(Invitee.appointment_id).where(Invitee.user_id == owner)
        appointments = list(
            await session.scalars(
                select(Appointment).where(
                    Appointment.start < end,
                    Appointment.end > start,
                    or_(Appointment.organizer_id == owner, Appointment.id.in_(invited)),
                )
            )
        )
        partners = {
            p.id: p
            for p in await session.scalars(
                select(Partner).where(Partner.id.in_({a.partner_id for a in appointments if a.partner_id}))
            )
        }
        tasks = list(
            await session.scalars(
                select(Task).where(Task.assignee_id == owner, Task.due.is_not(None), Task.due >= start.date())
            )
        )
    body = render(
        f"Partnerportal – {user.display_name if user else ''}",
        [(a, partners.get(a.partner_id) if a.partner_id else None) for a in appointments],
        tasks,
        request.app.state.settings.portal_url,
    )
    return Response(body, media_type="text/calendar; charset=utf-8", headers={"Cache-Control": "private, max-age=300"})


async def _appointment_view(
    request: CalendarRequest, appointment_id: int, errors: dict[str, str], status_code: int = 200
) -> Template:
    async with request.app.state.db.read() as session:
        appointment = await visible_appointment(session, request.user, appointment_id)
        ids = await invitee_ids(session, appointment)
        people = {
            u.id: u for u in await session.scalars(select(User).where(User.id.in_([*ids, appointment.organizer_id])))
        }
        partner = await session.get(Partner, appointment.partner_id) if appointment.partner_id else None
        report = await report_for(session, request.user, appointment)
        follow_ups = list(
            await session.scalars(select(Task).where(Task.appointment_id == appointment.id).order_by(Task.id))
        )
    return Template(
        "calendar/appointment.html",
        status_code=status_code,
        context={
            "a": appointment,
            "invitees": [people[i] for i in ids if i in people],
            "organizer": people.get(appointment.organizer_id),
            "partner": partner,
            "report": report,
            "follow_ups": follow_ups,
            "may_edit": may_plan(request.user),
            "rows": range(FOLLOW_UP_ROWS),
            "errors": errors,
            "berlin": BERLIN,
        },
    )


@get("/kalender/termine/{appointment_id:int}", include_in_schema=False)
async def appointment_page(request: CalendarRequest, appointment_id: FromPath[int]) -> Template:
    return await _appointment_view(request, appointment_id, {})


@get("/kalender/termine/{appointment_id:int}/ics", include_in_schema=False)
async def appointment_ics(request: CalendarRequest, appointment_id: FromPath[int]) -> Response[bytes]:
    async with request.app.state.db.read() as session:
        appointment = await visible_appointment(session, request.user, appointment_id)
        partner = await session.get(Partner, appointment.partner_id) if appointment.partner_id else None
    body = render(appointment.title, [(appointment, partner)], [], request.app.state.settings.portal_url)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="termin-{appointment.id}.ics"'},
    )


def _input(data: dict[str, Any]) -> AppointmentInput:
    """The form's fields; a field the form did not send stays as it is."""

    def given(name: str, limit: int) -> str | None:
        return text(data, name, limit) if name in data else None

    partner = raw(data, "partner").strip() if "partner" in data else None
    return AppointmentInput(
        title=given("title", 200),
        partner=None if partner is None else form_number(partner) or 0,
        start=_moment(raw(data, "start"), "start"),
        end=_moment(raw(data, "end"), "end"),
        place=given("place", 200),
        agenda=given("agenda", 10_000),
        invitees=[n for n in raw(data, "invitees").replace(";", ",").split(",") if n.strip()]
        if "invitees" in data
        else None,
        kind=raw(data, "kind") or None,
    )


@get("/kalender/neu", guards=PLANNERS, include_in_schema=False)
async def new_appointment_page(request: CalendarRequest, partner: FromQuery[str] = "") -> Template:
    return Template("calendar/form.html", context={"form": {"partner": partner, "kind": "visit"}, "errors": {}})


@post("/kalender/neu", guards=PLANNERS, include_in_schema=False, status_code=200)
async def new_appointment(request: CalendarRequest, data: FormBody) -> Template | Redirect:
    form = {k: raw(data, k) for k in ("title", "partner", "start", "end", "place", "agenda", "invitees", "kind")}
    try:
        async with request.app.state.db.transaction() as session:
            appointment, event = await plan(session, request.user, _input(data))
    except InvalidForm as exc:
        return Template("calendar/form.html", status_code=400, context={"form": form, "errors": exc.errors})
    await request.app.state.events.publish(event)
    flash(request, "Termin geplant; die Eingeladenen sind benachrichtigt.", category="success")
    return Redirect(f"/kalender/termine/{appointment.id}", status_code=303)


@post("/kalender/termine/{appointment_id:int}", guards=PLANNERS, include_in_schema=False, status_code=200)
async def change_appointment(
    request: CalendarRequest, appointment_id: FromPath[int], data: FormBody
) -> Template | Redirect:
    try:
        async with request.app.state.db.transaction() as session:
            appointment = await visible_appointment(session, request.user, appointment_id)
            event = await change(session, request.user, appointment, _input(data))
    except InvalidForm as exc:
        return await _appointment_view(request, appointment_id, exc.errors, 400)
    if event is not None:
        await request.app.state.events.publish(event)
    return Redirect(f"/kalender/termine/{appointment_id}", status_code=303)


@post("/kalender/termine/{appointment_id:int}/absagen", guards=PLANNERS, include_in_schema=False, status_code=200)
async def cancel_appointment(request: CalendarRequest, appointment_id: FromPath[int]) -> Template | Redirect:
    try:
        async with request.app.state.db.transaction() as session:
            appointment = await visible_appointment(session, request.user, appointment_id)
            event = await cancel(session, request.user, appointment)
    except InvalidForm as exc:
        return await _appointment_view(request, appointment_id, exc.errors, 400)
    if event is not None:
        await request.app.state.events.publish(event)
    flash(request, "Termin abgesagt.", category="success")
    return Redirect(f"/kalender/termine/{appointment_id}", status_code=303)


@post("/kalender/termine/{appointment_id:int}/bericht", guards=PLANNERS, include_in_schema=False, status_code=200)
async def save_report(request: CalendarRequest, appointment_id: FromPath[int], data: FormBody) -> Template | Redirect:
    """The visit report; each filled follow-up row becomes a task; "freigeben" shows it to the partner."""
    try:
        follow_ups = []
        for i in range(FOLLOW_UP_ROWS):
            title, assignee = text(data, f"f{i}_title", 200), raw(data, f"f{i}_assignee").strip()
            if title or assignee:
                due = _day(raw(data, f"f{i}_due"))
                follow_ups.append(FollowUp(title, assignee, due))
        async with request.app.state.db.transaction() as session:
            appointment = await visible_appointment(session, request.user, appointment_id)
            agreed, released = await write_report(
                session, request.user, appointment, raw(data, "body"), follow_ups, raw(data, "freigeben") == "1"
            )
    except InvalidForm as exc:
        return await _appointment_view(request, appointment_id, exc.errors, 400)
    for event in (agreed, released):
        if event is not None:
            await request.app.state.events.publish(event)
    flash(request, "Besuchsbericht gespeichert.", category="success")
    return Redirect(f"/kalender/termine/{appointment_id}", status_code=303)


ROUTES = [
    calendar_page,
    renew_feed,
    show_feed,
    feed,
    appointment_page,
    appointment_ics,
    new_appointment_page,
    new_appointment,
    change_appointment,
    cancel_appointment,
    save_report,
]
