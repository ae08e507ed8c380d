"""The Socket.IO server. Who may connect, and to which rooms, is decided by an injected callback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import socketio

from realtime.fanout import FastEmitManager, quicker_socket_writers
from realtime.manager import ResilientRedisManager
from realtime.rooms import user_room


@dataclass(frozen=True)
class Identity:
    """An authenticated connection: its user and the rooms it may listen to."""

    user_id: int
    rooms: frozenset[str]


# (environ, auth payload of the client) -> Identity, or None to refuse the connection
Authenticate = Callable[[dict[str, Any], Any], Awaitable[Identity | None]]


def client_manager(redis_url: str | None, channel: str, *, write_only: bool = False) -> Any:
    """In-memory for one process; with Redis, emits travel between workers (PITFALLS 10, 11).
    Both deliver a room emit without a task per recipient (`realtime.fanout`)."""
    if not redis_url:
        return FastEmitManager()
    return ResilientRedisManager(redis_url, channel=channel, write_only=write_only)


def create_socket_server(
    authenticate: Authenticate,
    *,
    redis_url: str | None = None,
    channel: str = "portal-socketio",
    allowed_origins: list[str] | None = None,
) -> socketio.AsyncServer:
    # allowed_origins=None means same origin only; [] would switch the check off and
    # allow cross-site hijacking of cookie-authenticated sockets (PITFALLS 2).
    quicker_socket_writers()
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=client_manager(redis_url, channel),
        cors_allowed_origins=allowed_origins,
        logger=False,
        engineio_logger=False,
    )

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        identity = await authenticate(environ, auth)
        if identity is None:
            raise socketio.exceptions.ConnectionRefusedError("Nicht angemeldet")
        await sio.save_session(sid, {"user_id": identity.user_id})
        await sio.enter_room(sid, user_room(identity.user_id))
        for room in identity.rooms:
            await sio.enter_room(sid, room)

    sio.on("connect", connect)
    return sio
