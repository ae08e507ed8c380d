"""Creating, changing, commenting and listing tasks; every change goes into the task's history."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Principal
from app.events import TaskAssigned as Assigned
from app.models import Appointment, Partner, RecurringTask, Task, TaskComment, TaskEvent, User, VisitReport, utcnow
from app.models.work import PRIORITIES, TASK_STATES
from app.network.colleagues import may_concern, may_work_with
from app.tasks.access import visibility
from app.web.cursor import decode, encode
from app.web.forms import InvalidForm, checked_text

STATE_LABELS = {"open": "offen", "in_progress": "in Arbeit", "done": "erledigt", "dropped": "verworfen"}
PRIORITY_LABELS = {"low": "niedrig", "normal": "normal", "high": "hoch"}
FAR = date(9999, 12, 31)  # sorts tasks without a due date last
PAGE = 50


@dataclass
class TaskInput:
    title: str | None = None
    description: str | None = None
    partner: int | None = None  # partner number; 0 clears it
    assignee: str | None = None  # username
    due: date | None = None
    clear_due: bool = False
    priority: str | None = None
    status: str | None = None


@dataclass
class Filter:
    assignee: str | None = None  # username; "me" for the caller
    partner: int | None = None
    status: str | None = None  # one state, or "active" (open and in progress)
    due: str | None = None  # overdue | week
    created_by_me: bool = False


async def _checked(
    session: AsyncSession, principal: Principal, data: TaskInput, creating: bool
) -> tuple[dict[str, Any], User | None]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if (title := checked_text(errors, "title", data.title, 200, creating or data.title is not None)) is not None:
        values["title"] = title
    if (description := checked_text(errors, "description", data.description, 10_000, False)) is not None:
        values["description"] = description
    assignee = None
    if data.assignee is not None or creating:
        username = (data.assignee or "").strip().lower()
        assignee = await session.scalar(select(User).where(User.username == username)) if username else None
        if assignee is None or not await may_work_with(session, principal, assignee):
            errors["assignee"] = f"An „{username}“ können Sie keine Aufgabe vergeben."
        else:
            values["assignee_id"] = assignee.id
    if data.partner is not None:
        if data.partner == 0:
            values["partner_id"] = None
        else:
            partner = await session.scalar(select(Partner).where(Partner.number == data.partner))
            if partner is None or not await may_concern(session, principal, partner.id):
                errors["partner"] = f"Partner {data.partner} gibt es nicht oder Sie sehen ihn nicht."
            else:
                values["partner_id"] = partner.id
    if data.due is not None:
        if not date(2000, 1, 1) <= data.due <= date(2100, 12, 31):
            errors["due"] = "Bitte ein Datum zwischen 2000 und 2100."
        values["due"] = data.due
    elif data.clear_due:
        values["due"] = None
    if data.priority is not None:
        if data.priority not in PRIORITIES:
            errors["priority"] = f"Priorität: {', '.join(PRIORITIES)}."
        values["priority"] = data.priority
    if data.status is not None:
        if data.status not in TASK_STATES:
            errors["status"] = f"Status: {', '.join(TASK_STATES)}."
        values["status"] = data.status
    if errors:
        raise InvalidForm(errors)
    return values, assignee


async def create_task(
    session: AsyncSession, principal: Principal, data: TaskInput, *, recurring_id: int | None = None
) -> tuple[Task, Assigned]:
    values, assignee = await _checked(session, principal, data, creating=True)
    assert assignee is not None
    task = Task(created_by_id=principal.user_id, recurring_id=recurring_id, **values)
    task.priority = task.priority or "normal"
    task.status = "open"
    session.add(task)
    await session.flush()
    session.add(TaskEvent(task_id=task.id, actor_id=principal.user_id, change={"angelegt": _plain(values)}))
    return task, Assigned(task.id, assignee.id, task.title, task.due, principal.display_name, principal.user_id)


async def change_task(session: AsyncSession, principal: Principal, task: Task, data: TaskInput) -> Assigned | None:
    """Apply the change; returns the new assignment if the task went to someone else."""
    values, assignee = await _checked(session, principal, data, creating=False)
    changed = {k: [_plain_one(getattr(task, k)), _plain_one(v)] for k, v in values.items() if getattr(task, k) != v}
    if not changed:
        return None
    for key, value in values.items():
        setattr(task, key, value)
    task.updated_at = utcnow()
    session.add(TaskEvent(task_id=task.id, actor_id=principal.user_id, change=changed))
    if "assignee_id" in changed and assignee is not None and assignee.id != principal.user_id:
        return Assigned(task.id, assignee.id, task.title, task.due, principal.display_name, principal.user_id)
    return None


async def comment(session: AsyncSession, principal: Principal, task: Task, body: str) -> TaskComment:
    errors: dict[str, str] = {}
    text = checked_text(errors, "body", body, 5000, True)
    if errors:
        raise InvalidForm(errors)
    row = TaskComment(task_id=task.id, author_id=principal.user_id, body=text)
    session.add(row)
    task.updated_at = utcnow()
    return row


async def visible_task(session: AsyncSession, principal: Principal, task_id: int) -> Task | None:
    """The task if the principal may see it; None for an unknown or someone else's (answered 404)."""
    return await session.scalar(select(Task).where(Task.id == task_id, await visibility(session, principal)))


async def list_tasks(
    session: AsyncSession, principal: Principal, f: Filter, cursor: str | None, limit: int = PAGE
) -> tuple[list[Task], str | None]:
    """By due date (none last), then id; keyset paging by (due, id)."""
    sort = func.coalesce(Task.due, FAR)
    query = select(Task).where(await visibility(session, principal))
    if f.assignee:
        if f.assignee == "me":
            query = query.where(Task.assignee_id == principal.user_id)
        else:
            query = query.where(
                Task.assignee_id == select(User.id).where(User.username == f.assignee).scalar_subquery()
            )
    if f.created_by_me:
        query = query.where(Task.created_by_id == principal.user_id)
    if f.partner:
        query = query.where(Task.partner_id == select(Partner.id).where(Partner.number == f.partner).scalar_subquery())
    if f.status == "active" or f.due:
        query = query.where(Task.status.in_(("open", "in_progress")))
    elif f.status:
        query = query.where(Task.status == f.status)
    today = date.today()
    if f.due == "overdue":
        query = query.where(Task.due < today)
    elif f.due == "week":
        query = query.where(Task.due <= today + timedelta(days=7))
    if cursor:
        due_text, last_id = decode(cursor, 2)
        last_due = date.fromisoformat(str(due_text))
        query = query.where(or_(sort > last_due, and_(sort == last_due, Task.id > int(last_id))))  # type: ignore[call-overload]
    rows = list(await session.scalars(query.order_by(sort, Task.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode((rows[-1].due or FAR).isoformat(), rows[-1].id) if more else None


def _plain_one(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain_one(v) for k, v in values.items()}


def next_due(after: date, every: str) -> date:
    """The due date after `after`: a week, a month, a quarter or a year on (the 31st becomes the month's last)."""
    if every == "week":
        return after + timedelta(days=7)
    total = after.month - 1 + {"month": 1, "quarter": 3, "year": 12}[every]
    year, month = after.year + total // 12, total % 12 + 1
    return date(year, month, min(after.day, monthrange(year, month)[1]))


async def make_recurring(session: AsyncSession, today: date) -> list[Assigned]:
    """Create the tasks of recurring tasks whose due date is within their lead time, each exactly
    once: the recurring task's next due date moves on by a conditional update first (a second
    worker's update then matches nothing)."""
    made = []
    for rule in list(await session.scalars(select(RecurringTask).where(RecurringTask.active))):
        due = rule.next_due
        if due - timedelta(days=rule.lead_days) > today:
            continue
        moved = await session.execute(
            update(RecurringTask)
            .where(RecurringTask.id == rule.id, RecurringTask.next_due == due)
            .values(next_due=next_due(due, rule.every))
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            continue
        task = Task(
            title=rule.title,
            description=rule.description,
            partner_id=rule.partner_id,
            assignee_id=rule.assignee_id,
            created_by_id=rule.created_by_id,
            due=due,
            priority=rule.priority,
            status="open",
            recurring_id=rule.id,
        )
        session.add(task)
        await session.flush()
        session.add(TaskEvent(task_id=task.id, actor_id=None, change={"angelegt": {"wiederkehrend": rule.every}}))
        made.append(Assigned(task.id, rule.assignee_id, task.title, due, "Wiederkehrende Aufgabe"))
    return made


async def create_follow_ups(
    session: AsyncSession,
    author_id: int | None,
    author_name: str,
    appointment_id: int,
    partner_id: int | None,
    items: tuple[tuple[str, str, int, date | None], ...],
) -> list[Assigned]:
    """The follow-ups a visit report names, as tasks pointing back to the visit. Each exactly once:
    its key is unique, so the event's subscriber and the job that catches up (settle_follow_ups)
    may both try."""
    made = []
    for key, title, assignee_id, due in items:
        task = Task(
            title=title,
            description="",
            partner_id=partner_id,
            assignee_id=assignee_id,
            created_by_id=author_id,
            due=due,
            priority="normal",
            status="open",
            appointment_id=appointment_id,
            follow_up_key=key,
        )
        try:
            async with session.begin_nested():
                session.add(task)
                await session.flush()
        except IntegrityError:
            continue  # made already
        session.add(TaskEvent(task_id=task.id, actor_id=author_id, change={"angelegt": {"besuch": appointment_id}}))
        made.append(Assigned(task.id, assignee_id, title, due, author_name, author_id))
    return made


async def settle_follow_ups(session: AsyncSession, since: datetime) -> list[Assigned]:
    """Follow-ups of reports written since then that have no task yet (their worker died between
    the report's commit and the task's): made now."""
    made: list[Assigned] = []
    for report in list(await session.scalars(select(VisitReport).where(VisitReport.updated_at >= since))):
        wanted = {f["key"]: f for f in report.follow_ups or []}
        have = set(await session.scalars(select(Task.follow_up_key).where(Task.follow_up_key.in_(wanted))))
        missing = [f for key, f in wanted.items() if key not in have]
        if not missing:
            continue
        appointment = await session.get(Appointment, report.appointment_id)
        author = await session.get(User, report.author_id) if report.author_id else None
        items = tuple(
            (f["key"], f["title"], f["assignee_id"], date.fromisoformat(f["due"]) if f["due"] else None)
            for f in missing
        )
        made += await create_follow_ups(
            session,
            report.author_id,
            author.display_name if author else "",
            report.appointment_id,
            appointment.partner_id if appointment else None,
            items,
        )
    return made
