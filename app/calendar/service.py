"""Planning, changing and cancelling appointments; the visit report with its follow-ups.

Who sees an appointment: its organizer and invitees, and the Zentrale staff who may view its
partner. A partner's users see a report only once it is released to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.events import AppointmentChanged, FollowUpsAgreed, ReportReleased
from app.models import Appointment, Invitee, Partner, User, VisitReport, utcnow
from app.network.colleagues import may_concern, may_work_with, visible_partner_ids
from app.web.forms import InvalidForm, checked_text

BERLIN = ZoneInfo("Europe/Berlin")
MAX_LENGTH = timedelta(days=14)


@dataclass
class AppointmentInput:
    title: str | None = None
    partner: int | None = None  # number; 0 clears it
    start: datetime | None = None  # aware, or naive as Berlin time
    end: datetime | None = None
    place: str | None = None
    agenda: str | None = None
    invitees: list[str] | None = None  # usernames
    kind: str | None = None


def may_plan(principal: Principal) -> bool:
    return not principal.is_partner_user and principal.may(Action.VIEW)


def as_utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)).astimezone(UTC)


async def visibility(session: AsyncSession, principal: Principal) -> ColumnElement[bool]:
    invited = Appointment.id.in_(select(Invitee.appointment_id).where(Invitee.user_id == principal.user_id))
    mine = or_(Appointment.organizer_id == principal.user_id, invited)
    if principal.is_partner_user:
        return mine
    partners = await visible_partner_ids(session, principal)
    return or_(mine, Appointment.partner_id.in_(partners)) if partners else mine


async def visible_appointment(session: AsyncSession, principal: Principal, appointment_id: int) -> Appointment:
    """The appointment, if the principal may see it; else 404 (someone else's looks like none)."""
    found = await session.scalar(
        select(Appointment).where(Appointment.id == appointment_id, await visibility(session, principal))
    )
    if found is None:
        raise NotFoundException("Diesen Termin gibt es nicht oder Sie sehen ihn nicht.")
    return found


async def _checked(
    session: AsyncSession, principal: Principal, data: AppointmentInput, current: Appointment | None
) -> tuple[dict[str, Any], list[User] | None]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, limit in (("title", 200), ("place", 200), ("agenda", 10_000)):
        value = checked_text(errors, name, getattr(data, name), limit, required=name == "title")
        if value is not None:
            values[name] = value
    if data.kind is not None:
        if data.kind not in ("visit", "meeting"):
            errors["kind"] = "Art: visit (Besuch) oder meeting (Termin)."
        values["kind"] = data.kind
    partner_id = current.partner_id if current else None
    if data.partner is not None:
        partner = await session.scalar(select(Partner).where(Partner.number == data.partner)) if data.partner else None
        if data.partner and (partner is None or not await may_concern(session, principal, partner.id)):
            errors["partner"] = f"Partner {data.partner} gibt es nicht oder Sie sehen ihn nicht."
        partner_id = partner.id if partner else None
        values["partner_id"] = partner_id
    start = as_utc(data.start) if data.start else (current.start if current else None)
    end = as_utc(data.end) if data.end else (current.end if current else None)
    if start is None or end is None:
        errors["start"] = "Bitte Beginn und Ende angeben."
    elif end <= start or end - start > MAX_LENGTH:
        errors["end"] = "Das Ende liegt nach dem Beginn, höchstens 14 Tage später."
    else:
        values["start"], values["end"] = start, end
    users: list[User] | None = None
    if data.invitees is not None:
        names = sorted({n.strip().lower() for n in data.invitees if n.strip()})
        users = list(await session.scalars(select(User).where(User.username.in_(names))))
        unknown = sorted(set(names) - {u.username for u in users})
        refused = [u.username for u in users if not await may_work_with(session, principal, u)]
        strangers = [u.username for u in users if u.partner_id is not None and u.partner_id != partner_id]
        if unknown or refused or strangers:
            errors["invitees"] = f"Nicht einladbar: {', '.join(unknown + refused + strangers)}" + (
                " (Partner-Benutzer nur zum Termin ihres Partners)." if strangers else "."
            )
    if errors:
        raise InvalidForm(errors)
    return values, users


async def plan(
    session: AsyncSession, principal: Principal, data: AppointmentInput
) -> tuple[Appointment, AppointmentChanged]:
    if not may_plan(principal):
        raise InvalidForm({"appointment": "Termine planen die Mitarbeiter der Zentrale."})
    values, users = await _checked(session, principal, data, None)
    if "title" not in values:
        raise InvalidForm({"title": "Bitte einen Titel angeben."})
    appointment = Appointment(organizer_id=principal.user_id, kind=values.pop("kind", "visit"), **values)
    session.add(appointment)
    await session.flush()
    invited = [u for u in users or [] if u.id != principal.user_id]
    session.add_all(Invitee(appointment_id=appointment.id, user_id=u.id) for u in invited)
    told = tuple(u.id for u in invited)
    return appointment, AppointmentChanged(
        appointment.id, appointment.title, appointment.start, "planned", told, principal.display_name
    )


async def invitee_ids(session: AsyncSession, appointment: Appointment) -> list[int]:
    return list(await session.scalars(select(Invitee.user_id).where(Invitee.appointment_id == appointment.id)))


async def change(
    session: AsyncSession, principal: Principal, appointment: Appointment, data: AppointmentInput
) -> AppointmentChanged | None:
    if appointment.status == "cancelled":
        raise InvalidForm({"appointment": "Ein abgesagter Termin lässt sich nicht mehr ändern."})
    values, users = await _checked(session, principal, data, appointment)
    before = set(await invitee_ids(session, appointment))
    changed = [k for k, v in values.items() if getattr(appointment, k) != v]
    for key in changed:
        setattr(appointment, key, values[key])
    if users is not None:
        wanted = {u.id for u in users if u.id != appointment.organizer_id}
        await session.execute(
            delete(Invitee).where(Invitee.appointment_id == appointment.id, Invitee.user_id.not_in(wanted))
        )
        session.add_all(Invitee(appointment_id=appointment.id, user_id=uid) for uid in wanted - before)
        if wanted != before:
            changed.append("invitees")
        before |= wanted
    if not changed:
        return None
    appointment.sequence += 1
    appointment.updated_at = utcnow()
    told = tuple(uid for uid in before if uid != principal.user_id)
    return AppointmentChanged(
        appointment.id, appointment.title, appointment.start, "changed", told, principal.display_name
    )


async def cancel(session: AsyncSession, principal: Principal, appointment: Appointment) -> AppointmentChanged | None:
    """A cancelled appointment stays, marked so, for every calendar that knows it."""
    if appointment.status == "cancelled":
        return None
    appointment.status, appointment.sequence, appointment.updated_at = "cancelled", appointment.sequence + 1, utcnow()
    told = tuple(uid for uid in await invitee_ids(session, appointment) if uid != principal.user_id)
    return AppointmentChanged(
        appointment.id, appointment.title, appointment.start, "cancelled", told, principal.display_name
    )


@dataclass(frozen=True)
class FollowUp:
    title: str
    assignee: str
    due: date | None


async def write_report(
    session: AsyncSession,
    principal: Principal,
    appointment: Appointment,
    body: str,
    follow_ups: list[FollowUp],
    release: bool,
) -> tuple[FollowUpsAgreed | None, ReportReleased | None]:
    """Save the report; name follow-ups (each becomes a task); release it to the partner's invitees."""
    if principal.is_partner_user:
        raise InvalidForm({"report": "Den Besuchsbericht schreibt die Zentrale."})
    errors: dict[str, str] = {}
    text = checked_text(errors, "body", body, 20_000, True)
    items = []
    for i, item in enumerate(follow_ups):
        title = checked_text(errors, f"follow_ups[{i}].title", item.title, 200, True)
        user = await session.scalar(select(User).where(User.username == item.assignee.strip().lower()))
        if user is None or not await may_work_with(session, principal, user):
            errors[f"follow_ups[{i}].assignee"] = f"An „{item.assignee}“ kann keine Folgeaufgabe gehen."
            continue
        items.append((title or "", user.id, item.due))
    if errors:
        raise InvalidForm(errors)
    report = await session.scalar(select(VisitReport).where(VisitReport.appointment_id == appointment.id))
    if report is None:
        report = VisitReport(appointment_id=appointment.id, body=text or "", author_id=principal.user_id, follow_ups=[])
        session.add(report)
    report.body, report.updated_at = text or "", utcnow()
    kept = list(report.follow_ups or [])
    agreed_items = tuple(
        (f"{appointment.id}:{len(kept) + n}", title, assignee, due) for n, (title, assignee, due) in enumerate(items)
    )
    report.follow_ups = kept + [
        {"key": key, "title": title, "assignee_id": assignee, "due": due.isoformat() if due else None}
        for key, title, assignee, due in agreed_items
    ]
    released = None
    if release and report.released_at is None:
        report.released_at = utcnow()
        partner_users = select(User.id).where(User.partner_id == appointment.partner_id)
        readers = await session.scalars(
            select(Invitee.user_id).where(Invitee.appointment_id == appointment.id, Invitee.user_id.in_(partner_users))
        )
        released = ReportReleased(appointment.id, appointment.title, tuple(readers))
    agreed = FollowUpsAgreed(appointment.id, appointment.partner_id, principal.user_id, agreed_items) if items else None
    return agreed, released


async def report_for(session: AsyncSession, principal: Principal, appointment: Appointment) -> VisitReport | None:
    """The report as this reader may see it: the Zentrale always, a partner's user once released."""
    report = await session.scalar(select(VisitReport).where(VisitReport.appointment_id == appointment.id))
    if report is None or (principal.is_partner_user and report.released_at is None):
        return None
    return report


async def between(
    session: AsyncSession, principal: Principal, start: datetime, end: datetime, *, mine_only: bool = True
) -> list[Appointment]:
    """The appointments overlapping [start, end): one's own (organized or invited), or all one sees."""
    query = select(Appointment).where(Appointment.start < end, Appointment.end > start)
    if mine_only:
        invited = select(Invitee.appointment_id).where(Invitee.user_id == principal.user_id)
        query = query.where(or_(Appointment.organizer_id == principal.user_id, Appointment.id.in_(invited)))
    else:
        query = query.where(await visibility(session, principal))
    return list(await session.scalars(query.order_by(Appointment.start, Appointment.id)))
