"""`/api/v1/notifications`: the caller's notification centre, newest first, by cursor."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromQuery, JSONBody

from app.auth.permissions import Principal
from app.notifications.service import mark_read, page_of, unread
from app.web.api_input import InvalidInput
from app.web.cursor import BadCursor

NotificationsRequest = Request[Principal, Any, State]


class NotificationOut(msgspec.Struct):
    id: int
    kind: str
    title: str
    url: str
    at: str
    read: bool


class NotificationPage(msgspec.Struct):
    items: list[NotificationOut]
    next: str | None
    unread: int


@get("/api/v1/notifications", tags=["Benachrichtigungen"])
async def list_notifications(request: NotificationsRequest, cursor: FromQuery[str | None] = None) -> NotificationPage:
    try:
        async with request.app.state.db.read() as session:
            rows, after = await page_of(session, request.user.user_id, cursor)
            count = await unread(session, request.user.user_id)
    except BadCursor as exc:
        raise InvalidInput(str(exc), extra=[{"key": "cursor", "message": str(exc)}]) from exc
    items = [NotificationOut(n.id, n.kind, n.title, n.url, n.at.isoformat(), n.read_at is not None) for n in rows]
    return NotificationPage(items, after, count)


@post("/api/v1/notifications/read", tags=["Benachrichtigungen"], status_code=200)
async def read_notifications(request: NotificationsRequest, data: JSONBody[list[int] | None] = None) -> dict[str, int]:
    """Mark the given notifications (or, without a body, all) as read; answers the unread count."""
    async with request.app.state.db.transaction() as session:
        await mark_read(session, request.user.user_id, data)
        return {"unread": await unread(session, request.user.user_id)}


ROUTES = [list_notifications, read_notifications]
