"""Reminders, a scheduled job (app.scheduling) run by every worker; each reminder is a notification
with a unique key per user (app.notifications.service), so it is made, and mailed, exactly once.

- Reporting: the Zentrale sets the deadline day (portal setting `reporting_deadline_day`, default
  the 10th) for last month's figures. On the day before and on the deadline, every user who enters
  figures for a partner still missing the month is reminded; each territory manager gets the list
  of their missing partners.
- Tasks: the assignee is reminded the day before a task is due, and once when it is overdue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from litestar.datastructures import State
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.permissions import Action
from app.auth.principals import load_principal, territory_paths
from app.models import MonthReport, Partner, PortalSetting, Task, User
from app.notifications.service import Created, notify
from kpi.months import add_months, format_month, month_of

DEADLINE_KEY = "reporting_deadline_day"
DEFAULT_DEADLINE = 10


async def deadline_day(session: AsyncSession) -> int:
    setting = await session.get(PortalSetting, DEADLINE_KEY)
    return int(setting.value) if setting is not None else DEFAULT_DEADLINE


def reporting_stage(today: date, day: int) -> str | None:
    """ "vortag" on the day before the deadline, "stichtag" on it, else None."""
    if today.day == day:
        return "stichtag"
    if (today + timedelta(days=1)).day == day:
        return "vortag"
    return None


async def _missing(session: AsyncSession, month: date) -> list[Partner]:
    reported = select(MonthReport.partner_id).where(MonthReport.month == month)
    return list(
        await session.scalars(
            select(Partner).where(Partner.active, Partner.id.not_in(reported)).order_by(Partner.number)
        )
    )


async def reporting_reminders(session: AsyncSession, today: date, base_url: str) -> list[Created]:
    stage = reporting_stage(today, await deadline_day(session))
    if stage is None:
        return []
    month = add_months(month_of(today), -1)
    period = format_month(month)
    missing = await _missing(session, month)
    if not missing:
        return []
    made: list[Created] = []
    users = list(
        await session.scalars(
            select(User)
            .where(User.active, User.partner_id.in_([p.id for p in missing]))
            .options(selectinload(User.classes))
        )
    )
    when = "morgen" if stage == "vortag" else "heute"
    by_partner = {p.id: p for p in missing}
    for user in users:
        principal = await load_principal(session, user.id)
        if principal is None or not principal.may(Action.ENTER):
            continue
        partner = by_partner[user.partner_id]  # type: ignore[index]
        made += await notify(
            session,
            [user.id],
            "report_missing",
            f"Monatszahlen {period} fehlen noch – Stichtag {when}",
            f"/erfassung/{partner.number}/{period}",
            base_url=base_url,
            lines=[f"Für {partner.name} sind die Zahlen für {period} noch nicht gemeldet; der Stichtag ist {when}."],
            dedupe=f"report:{period}:{stage}",
        )
    made += await _manager_lists(session, missing, period, stage, base_url)
    return made


async def _manager_lists(
    session: AsyncSession, missing: list[Partner], period: str, stage: str, base_url: str
) -> list[Created]:
    """Each territory manager: the missing partners of their territories, as one notification."""
    paths = await territory_paths(session)
    made: list[Created] = []
    managers = await session.scalars(
        select(User).where(User.active, User.partner_id.is_(None), User.managed_territories.any())
    )
    for manager in managers:
        principal = await load_principal(session, manager.id)
        if principal is None:
            continue
        theirs = [p for p in missing if any(code in principal.managed_territories for code in paths[p.territory_id])]
        if not theirs:
            continue
        names = ", ".join(f"{p.number} {p.name}" for p in theirs[:10]) + (" …" if len(theirs) > 10 else "")
        made += await notify(
            session,
            [manager.id],
            "report_missing",
            f"{len(theirs)} Partner haben {period} noch nicht gemeldet",
            f"/zentrale/meldungen?monat={period}",
            base_url=base_url,
            lines=[f"Noch nicht gemeldet ({period}): {names}."],
            dedupe=f"report-list:{period}:{stage}",
        )
    return made


async def task_reminders(session: AsyncSession, today: date, base_url: str) -> list[Created]:
    made: list[Created] = []
    active = Task.status.in_(("open", "in_progress"))
    soon = await session.scalars(select(Task).where(active, Task.due == today + timedelta(days=1)))
    for task in soon:
        made += await notify(
            session,
            [task.assignee_id],
            "task_due",
            f"Morgen fällig: {task.title}",
            f"/aufgaben/{task.id}",
            base_url=base_url,
            dedupe=f"task-due:{task.id}:{task.due}",
        )
    late = await session.scalars(select(Task).where(active, Task.due < today, Task.due >= today - timedelta(days=30)))
    for task in late:
        made += await notify(
            session,
            [task.assignee_id],
            "task_overdue",
            f"Überfällig: {task.title}",
            f"/aufgaben/{task.id}",
            base_url=base_url,
            dedupe=f"task-overdue:{task.id}:{task.due}",
        )
    return made


def reminders_job(state: State) -> Callable[[], Awaitable[int]]:
    """The scheduled job: reminders of today, then their live pushes and mails."""

    async def job() -> int:
        today = date.today()
        async with state.db.transaction() as session:
            made = await reporting_reminders(session, today, state.settings.portal_url)
            made += await task_reminders(session, today, state.settings.portal_url)
        await state.notifier.pushed(made)
        return len(made)

    return job
