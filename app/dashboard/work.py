"""The reader's own work for the start page: open tasks, the next appointments, unread messages,
circulars to confirm and new documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Principal
from app.calendar.service import between
from app.chat.access import may_chat, readable_rooms
from app.chat.service import unread
from app.documents.service import Query, documents, reads_of
from app.models import Appointment, ChatRoom, Document, Partner, Task
from app.tasks.access import visibility
from app.tasks.service import Filter, list_tasks

SHOWN = 5


@dataclass(frozen=True)
class Work:
    tasks: list[Task]
    open_tasks: int
    overdue_tasks: int
    appointments: list[Appointment]
    rooms: list[tuple[ChatRoom, int]]  # rooms with unread messages, most first
    unread_messages: int
    circulars: list[Document]  # to confirm
    new_documents: list[Document]  # of the last two weeks, not opened yet
    partners: dict[int, Partner]


async def my_work(session: AsyncSession, principal: Principal, today: date) -> Work:
    tasks, _ = await list_tasks(session, principal, Filter(assignee="me", status="active"), None, SHOWN)
    mine = (Task.assignee_id == principal.user_id) & Task.status.in_(("open", "in_progress"))
    visible = await visibility(session, principal)
    open_count = await session.scalar(select(func.count()).where(mine, visible)) or 0
    overdue = await session.scalar(select(func.count()).where(mine, visible, Task.due < today)) or 0
    start = datetime.combine(today, time(0), UTC)
    appointments = [
        a for a in await between(session, principal, start, start + timedelta(days=14)) if a.status != "cancelled"
    ]
    rooms: list[tuple[ChatRoom, int]] = []
    if may_chat(principal):
        readable = await readable_rooms(session, principal)
        counts = await unread(session, principal, readable)
        rooms = sorted(((r, counts[r.id].messages) for r in readable if counts[r.id].messages), key=lambda x: -x[1])
    circulars, _ = await documents(session, principal, Query(unconfirmed=True), None, SHOWN)
    recent, _ = await documents(session, principal, Query(), None, 20)
    opened = await reads_of(session, principal.user_id, [d.id for d in recent])
    fresh = [
        d for d in recent if d.id not in opened and not d.circular and d.updated_at.date() >= today - timedelta(days=14)
    ][:SHOWN]
    ids = {t.partner_id for t in tasks if t.partner_id} | {a.partner_id for a in appointments if a.partner_id}
    partners = {p.id: p for p in await session.scalars(select(Partner).where(Partner.id.in_(ids)))}
    return Work(
        tasks,
        open_count,
        overdue,
        appointments[:SHOWN],
        rooms[:SHOWN],
        sum(n for _, n in rooms),
        circulars,
        fresh,
        partners,
    )
