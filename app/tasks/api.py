"""`/api/v1/tasks`: list (by cursor), create, read and change tasks (shared/CONTRACT.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from litestar import Request, get, patch, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Principal
from app.models import Partner, Task, User
from app.tasks.service import Filter, TaskInput, change_task, create_task, list_tasks, visible_task
from app.web.api_input import InvalidInput, refused
from app.web.cursor import BadCursor
from app.web.forms import InvalidForm

TasksRequest = Request[Principal, Any, State]
UNSET = msgspec.UNSET


class NewTask(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    assignee: str
    description: str = ""
    partner: int | None = None
    due: date | None = None
    priority: str = "normal"


class TaskChange(msgspec.Struct, forbid_unknown_fields=True):
    title: str | msgspec.UnsetType = UNSET
    description: str | msgspec.UnsetType = UNSET
    partner: int | msgspec.UnsetType | None = UNSET
    assignee: str | msgspec.UnsetType = UNSET
    due: date | msgspec.UnsetType | None = UNSET
    priority: str | msgspec.UnsetType = UNSET
    status: str | msgspec.UnsetType = UNSET


class TaskOut(msgspec.Struct):
    id: int
    title: str
    description: str
    partner: int | None
    assignee: str
    created_by: str | None
    due: date | None
    priority: str
    status: str
    created_at: str
    updated_at: str


class TaskPage(msgspec.Struct):
    items: list[TaskOut]
    next: str | None


async def as_json(session: AsyncSession, tasks: list[Task]) -> list[TaskOut]:
    user_ids = {t.assignee_id for t in tasks} | {t.created_by_id for t in tasks if t.created_by_id}
    names = dict((await session.execute(select(User.id, User.username).where(User.id.in_(user_ids)))).all())
    partner_ids = {t.partner_id for t in tasks if t.partner_id}
    numbers = dict((await session.execute(select(Partner.id, Partner.number).where(Partner.id.in_(partner_ids)))).all())
    return [
        TaskOut(
            t.id,
            t.title,
            t.description,
            numbers.get(t.partner_id) if t.partner_id else None,
            names[t.assignee_id],
            names.get(t.created_by_id) if t.created_by_id else None,
            t.due,
            t.priority,
            t.status,
            t.created_at.isoformat(),
            t.updated_at.isoformat(),
        )
        for t in tasks
    ]


@get("/api/v1/tasks", tags=["Aufgaben"])
async def list_tasks_api(
    request: TasksRequest,
    partner: FromQuery[int | None] = None,
    assignee: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
) -> TaskPage:
    """The tasks the caller may see, by due date; `assignee=me` for the caller's own."""
    try:
        async with request.app.state.db.read() as session:
            rows, after = await list_tasks(session, request.user, Filter(assignee, partner, status), cursor)
            return TaskPage(await as_json(session, rows), after)
    except BadCursor as exc:
        raise InvalidInput(str(exc), extra=[{"key": "cursor", "message": str(exc)}]) from exc


@get("/api/v1/tasks/{task_id:int}", tags=["Aufgaben"])
async def show_task(request: TasksRequest, task_id: FromPath[int]) -> TaskOut:
    async with request.app.state.db.read() as session:
        task = await visible_task(session, request.user, task_id)
        if task is None:
            raise NotFoundException("Diese Aufgabe gibt es nicht.")
        return (await as_json(session, [task]))[0]


@post("/api/v1/tasks", tags=["Aufgaben"], status_code=201)
async def create_task_api(request: TasksRequest, data: JSONBody[NewTask]) -> TaskOut:
    """A new task; the assignee is notified (in the portal and by e-mail)."""
    body = TaskInput(data.title, data.description, data.partner, data.assignee, data.due, False, data.priority)
    try:
        async with request.app.state.db.transaction() as session:
            task, assigned = await create_task(session, request.user, body)
            out = (await as_json(session, [task]))[0]
    except InvalidForm as exc:
        raise refused(exc) from exc
    await request.app.state.events.publish(assigned)
    return out


@patch("/api/v1/tasks/{task_id:int}", tags=["Aufgaben"])
async def change_task_api(request: TasksRequest, task_id: FromPath[int], data: JSONBody[TaskChange]) -> TaskOut:
    """Change any field; what is left out stays. Status: open, in_progress, done, dropped."""
    body = TaskInput(
        title=None if data.title is UNSET else data.title,
        description=None if data.description is UNSET else data.description,
        partner=None if data.partner is UNSET else (data.partner or 0),
        assignee=None if data.assignee is UNSET else data.assignee,
        due=None if data.due is UNSET else data.due,
        clear_due=data.due is None,
        priority=None if data.priority is UNSET else data.priority,
        status=None if data.status is UNSET else data.status,
    )
    try:
        async with request.app.state.db.transaction() as session:
            task = await visible_task(session, request.user, task_id)
            if task is None:
                raise NotFoundException("Diese Aufgabe gibt es nicht.")
            assigned = await change_task(session, request.user, task, body)
            out = (await as_json(session, [task]))[0]
    except InvalidForm as exc:
        raise refused(exc) from exc
    if assigned is not None:
        await request.app.state.events.publish(assigned)
    return out


ROUTES = [list_tasks_api, show_task, create_task_api, change_task_api]
