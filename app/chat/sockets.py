"""Chat over Socket.IO (shared/CONTRACT.md): `chat:send`, `chat:history`, and the page's helpers.

Every event loads the user's current rights and checks the room again: a socket
that joined a room earlier learns nothing from it once its user is no longer a member.
Answers are acks: `{"ok": true, ...}` or `{"ok": false, "error": "..."}`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import socketio
from litestar.datastructures import State
from litestar.exceptions import HTTPException

from app.auth.permissions import Principal
from app.auth.principals import load_principal
from app.chat import service
from app.chat.access import may_chat, room_for
from app.chat.flood import FloodGate
from app.db import CANNOT_SERVE, cannot_serve_message
from realtime.rooms import chat_room

logger = logging.getLogger(__name__)

Handler = Callable[[Principal, str, dict[str, Any]], Awaitable[dict[str, Any]]]


# Ids are 32-bit integers in PostgreSQL; a larger number names nothing and would fail in the driver.
MAX_ID = 2**31 - 1


def _room_id(data: dict[str, Any]) -> int:
    room = data.get("room")
    if isinstance(room, bool) or not isinstance(room, int):
        raise service.ChatRefused("Raum fehlt oder ist keine Zahl.")
    if not 0 < room <= MAX_ID:
        raise service.ChatRefused("Diesen Raum gibt es nicht.")
    return room


def _optional_id(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise service.ChatRefused(f"„{key}“ muss eine Nachrichtennummer sein.")
    return value


_deliveries: set[asyncio.Task[None]] = set()


def deliver(emit: Coroutine[Any, Any, None]) -> None:
    """Run an emit in the background, kept referenced until done; failures are logged."""
    task = asyncio.create_task(emit)
    _deliveries.add(task)

    def done(finished: asyncio.Task[None]) -> None:
        _deliveries.discard(finished)
        if not finished.cancelled() and finished.exception() is not None:
            logger.error("chat delivery failed", exc_info=finished.exception())

    task.add_done_callback(done)


def register_chat_events(sio: socketio.AsyncServer, state: State, flood: FloodGate) -> None:
    def event(name: str) -> Callable[[Handler], Handler]:
        def wrap(handler: Handler) -> Handler:
            async def on_event(sid: str, data: Any = None, *extra: Any) -> dict[str, Any]:
                try:
                    return await answer(sid, data, *extra)
                except CANNOT_SERVE as exc:
                    logger.warning("chat event %s: the database cannot serve: %s", name, exc)
                    return {"ok": False, "error": cannot_serve_message(exc)}

            async def answer(sid: str, data: Any = None, *extra: Any) -> dict[str, Any]:
                session = await sio.get_session(sid)
                async with state.db.read() as db_session:
                    principal = await load_principal(db_session, session.get("user_id", 0))
                if principal is None or not may_chat(principal):
                    return {"ok": False, "error": "Kein Zugang zum Chat."}
                if not isinstance(data, dict) or extra:
                    return {"ok": False, "error": "Erwartet wird ein Objekt mit „room“."}
                try:
                    return await handler(principal, sid, data)
                except service.ChatRefused as exc:
                    return {"ok": False, "error": str(exc)}
                except HTTPException as exc:  # unknown room (404), not a member (403)
                    return {"ok": False, "error": str(exc.detail)}

            sio.on(name, on_event)
            return handler

        return wrap

    @event("chat:send")
    async def send(principal: Principal, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        room = _room_id(data)
        refusal = await flood.refusal(principal.user_id, sid)
        if refusal:
            return {"ok": False, "error": refusal}
        sent = await service.send(state.db, principal, room, data.get("body"))
        # Stored (committed) before anyone sees it; the sender's ack need not wait for the fan-out.
        # Emits start in the order of their messages, so every member gets them in that order.
        deliver(state.publisher.chat_message(room, sent.payload))
        if sent.mentioned is not None:
            deliver(state.events.publish(sent.mentioned))  # nor for the notices of those named
        return {"ok": True, "id": sent.payload["id"]}

    @event("chat:history")
    async def history(principal: Principal, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        room = _room_id(data)
        after = _optional_id(data, "after")
        if after is not None:
            return {"ok": True, "room": room, "messages": await service.since(state.db, principal, room, after)}
        messages, more = await service.history(state.db, principal, room, _optional_id(data, "before"))
        return {"ok": True, "room": room, "messages": messages, "more": more}

    @event("chat:join")
    async def join(principal: Principal, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Listen to a room the user may read (e.g. one created after the socket connected)."""
        room = _room_id(data)
        async with state.db.read() as session:
            await room_for(session, principal, room)
        await sio.enter_room(sid, chat_room(room))
        return {"ok": True}

    @event("chat:read")
    async def read(principal: Principal, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        room = _room_id(data)
        await service.mark_read(state.db, principal, room, _optional_id(data, "id") or 0)
        await state.publisher.to_user(principal.user_id, "chat:unread", {"room": room})
        return {"ok": True}

    @event("chat:typing")
    async def typing(principal: Principal, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        room = _room_id(data)
        async with state.db.read() as session:
            await room_for(session, principal, room)
        await state.publisher.chat_event("chat:typing", room, {"user": principal.display_name}, skip_sid=sid)
        return {"ok": True}
