"""Events the portal pushes (shared/CONTRACT.md, Socket.IO). Call only after the data is committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import socketio

from realtime.fanout import FastRoomEmit
from realtime.manager import ResilientRedisManager
from realtime.rooms import chat_room, group_room, partner_room, user_room
from realtime.sent_figures import SentFigures


class Publisher:
    def __init__(self, sio: socketio.AsyncServer | socketio.AsyncRedisManager, sent: SentFigures | None = None) -> None:
        self._sio = sio
        self._sent = sent or SentFigures()
        manager = getattr(sio, "manager", None)
        if isinstance(manager, FastRoomEmit):
            manager.watch("kpi:update", self._sent.delivered)

    async def kpi_own(self, partner_id: int, partner_no: int, period: str, kpis: dict[str, Any]) -> None:
        payload = {"partner": partner_no, "period": period, "kpis": kpis}
        await self._sio.emit("kpi:own", payload, room=partner_room(partner_id))

    async def kpi_update(
        self, group_id: int, period: str, kpis: dict[str, Any], released_at: datetime | None = None
    ) -> None:
        """A release of the group's month: the cells that changed (realtime.sent_figures), if any.
        `released_at`: when its figures were read (it shows every submission stored before)."""
        changed = self._sent.update(group_id, period, kpis, released_at)
        if not changed:
            return
        payload: dict[str, Any] = {"group": group_id, "period": period}
        if released_at is not None:
            payload["released_at"] = released_at.isoformat()
        payload["kpis"] = changed  # last: a client can read the rest without decoding the cells
        await self._sio.emit("kpi:update", payload, room=group_room(group_id))
        self._sent.delivered(payload)  # also where no socket of this process is in the room

    async def chat_message(self, room_id: int, message: dict[str, Any]) -> None:
        await self._sio.emit("chat:message", {"room": room_id, **message}, room=chat_room(room_id))

    async def chat_event(self, event: str, room_id: int, data: dict[str, Any], skip_sid: str | None = None) -> None:
        """Other chat events of a room: `chat:edit`, `chat:remove`, `chat:pin`, `chat:typing`, `chat:room`."""
        await self._sio.emit(event, {"room": room_id, **data}, room=chat_room(room_id), skip_sid=skip_sid)

    async def to_user(self, user_id: int, event: str, data: dict[str, Any]) -> None:
        await self._sio.emit(event, data, room=user_room(user_id))

    async def disconnect_user(self, user_id: int) -> None:
        """End every socket of a user, on every worker, e.g. at sign-out (PITFALLS 4)."""
        if not isinstance(self._sio, socketio.AsyncServer):
            return
        if isinstance(self._sio.manager, ResilientRedisManager):
            await self._sio.manager.disconnect_room(user_room(user_id))
            return
        for sid, _eio_sid in list(self._sio.manager.get_participants("/", user_room(user_id))):
            await self._sio.disconnect(sid)


async def disconnect_user_everywhere(redis_url: str, channel: str, user_id: int) -> None:
    """From a process that serves no sockets (the command line): end a user's sockets on every worker."""
    emitter = ResilientRedisManager(redis_url, channel, write_only=True)
    try:
        await emitter.disconnect_room(user_room(user_id))
    finally:
        if emitter.redis is not None:
            await emitter.redis.aclose()
