"""A task's attachments: checked like every upload (app.files), kept in the task's history, and
downloaded by whoever sees the task (audited)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select

from app.audit import record
from app.auth.permissions import Principal
from app.files.checks import MAX_BYTES
from app.files.store import download, receive, store
from app.imports.reading import UnreadableFile
from app.models import StoredFile, TaskAttachment, TaskEvent, utcnow
from app.tasks.routes import task_view
from app.tasks.service import visible_task
from app.web.forms import client_of

TasksRequest = Request[Principal, Any, State]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


@post(
    "/aufgaben/{task_id:int}/anhang",
    include_in_schema=False,
    status_code=200,
    request_max_body_size=MAX_BYTES + 1024 * 1024,
)
async def attach(request: TasksRequest, task_id: FromPath[int], data: Multipart) -> Template | Redirect:
    async with request.app.state.db.read() as session:
        if await visible_task(session, request.user, task_id) is None:
            raise NotFoundException("Diese Aufgabe gibt es nicht oder Sie sehen sie nicht.")
    try:
        received = await receive(request, data.get("file"))
    except UnreadableFile as exc:
        return await task_view(request, task_id, {"file": str(exc)}, 400)
    async with request.app.state.db.transaction() as session:
        task = await visible_task(session, request.user, task_id)
        if task is None:
            raise NotFoundException("Diese Aufgabe gibt es nicht oder Sie sehen sie nicht.")
        stored = await store(session, received, request.user.user_id)
        session.add(TaskAttachment(task_id=task.id, file_id=stored.id, by_id=request.user.user_id))
        session.add(
            TaskEvent(task_id=task.id, actor_id=request.user.user_id, change={"anhang": [None, stored.filename]})
        )
        task.updated_at = utcnow()
        record(
            session,
            request.user.user_id,
            "task.attachment_added",
            object_type="task",
            object_id=task.id,
            client=client_of(request),
            file=stored.filename,
        )
    return Redirect(f"/aufgaben/{task_id}#anhaenge", status_code=303)


@get("/aufgaben/{task_id:int}/anhang/{attachment_id:int}", include_in_schema=False)
async def attachment_file(
    request: TasksRequest, task_id: FromPath[int], attachment_id: FromPath[int]
) -> Response[bytes]:
    async with request.app.state.db.transaction() as session:
        task = await visible_task(session, request.user, task_id)
        stored = await session.scalar(
            select(StoredFile)
            .join(TaskAttachment, TaskAttachment.file_id == StoredFile.id)
            .where(TaskAttachment.id == attachment_id, TaskAttachment.task_id == task_id)
        )
        if task is None or stored is None:
            raise NotFoundException("Diesen Anhang gibt es nicht oder Sie sehen ihn nicht.")
        record(
            session,
            request.user.user_id,
            "task.attachment_downloaded",
            object_type="task",
            object_id=task.id,
            client=client_of(request),
            file=stored.filename,
        )
        return await download(session, stored)


ROUTES = [attach, attachment_file]
