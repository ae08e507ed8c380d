"""Fan-out variants measured by bench/fanout_cost.py. `FastRoomEmit` and the quicker socket writers are
the portal's own (realtime/fanout.py, imported here); `DirectRoomEmit` is the experiment beyond them.

The reasoning behind FastRoomEmit, as first measured here:

python-socketio's `AsyncManager.emit` encodes a room emit once, but then creates one asyncio
Task per recipient (`server._send_eio_packet` -> engineio `send_packet` -> `AsyncSocket.send`:
`check_ping_timeout`, `await queue.put`, `logger.info`) and waits for all of them. Every one
of those steps ends in `queue.put` on the socket's own unbounded asyncio.Queue, which its
writer task drains onto the websocket. `FastRoomEmit` does the same per recipient without a
task and without a coroutine: `queue.put_nowait` of the one shared, pre-encoded Engine.IO
packet. What it keeps of `AsyncSocket.send`: a closed socket is skipped, a socket whose
client stopped answering pings is closed through engineio's own `check_ping_timeout` (as
`send` would), and nothing is sent to it. Emits with a callback (ack) go the library's way.

It is a mixin to put *after* a pub/sub manager in the bases, so that the Redis manager's
local delivery (`AsyncPubSubManager._handle_emit` -> `super().emit`) lands here:

    class ResilientRedisManager(socketio.AsyncRedisManager, FastRoomEmit): ...
    # MRO: ResilientRedisManager, AsyncRedisManager, AsyncPubSubManager, FastRoomEmit, AsyncManager

`FastEmitManager` is the in-memory manager with it (`socketio.AsyncServer(client_manager=...)`).

`DirectRoomEmit` / `enable_direct_writes(sio)` (experimental) go one step further: the
recipient's websocket is written from the emit loop itself, through the ASGI `send` of
the connection (driven without a task: uvicorn's send completes without suspending unless
the client is flow-control paused), and only when the socket's writer task is idle with an
empty queue; otherwise the packet goes to the queue as above. This needs engineio's
ASGI websocket wrapper replaced (`eio._async["websocket"]`, a private attribute).

`patch_engineio_poll()` (optional, process-wide monkeypatch) makes each socket's writer wait
for its queue with `asyncio.timeout` instead of `asyncio.wait_for`, which on Python 3.11
creates one extra Task per packet sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import types
from typing import Any

import socketio
from engineio.async_drivers import asgi as eio_asgi

from realtime.fanout import FastEmitManager, FastRoomEmit, _room_packets
from realtime.fanout import quicker_socket_writers as patch_engineio_poll

__all__ = ["DirectEmitManager", "FastEmitManager", "FastRoomEmit", "enable_direct_writes", "patch_engineio_poll"]


log = logging.getLogger("fanout")


@types.coroutine
def _resume(coro: Any, first: Any) -> Any:
    """Go on with a coroutine that was started by hand and yielded `first` (a future it waits for)."""
    value: Any = None
    error: BaseException | None = None
    try:
        value = yield first
    except BaseException as exc:  # cancellation included: handed on to the coroutine
        error = exc
    while True:
        try:
            waited = coro.throw(error) if error is not None else coro.send(value)
        except StopIteration as stop:
            return stop.value
        value, error = None, None
        try:
            value = yield waited
        except BaseException as exc:
            error = exc


async def _finish(coro: Any, first: Any) -> Any:
    return await _resume(coro, first)


class DirectWebSocket(eio_asgi.WebSocket):  # type: ignore[misc]
    """engineio's ASGI websocket wrapper, known to its engineio socket, that can send without the writer task."""

    waited = 0  # direct sends that had to wait for the client (flow control), for tests

    def __init__(self, handler: Any, server: Any) -> None:
        super().__init__(handler, server)
        self.socket = getattr(handler, "__self__", None)
        self.open = False
        self.busy = 0  # sends of the writer task in progress
        self.pending: asyncio.Future[Any] | None = None  # a direct send that had to wait

    async def __call__(self, environ: dict[str, Any]) -> Any:
        self.asgi_receive, self.asgi_send = environ["asgi.receive"], environ["asgi.send"]
        await self.asgi_send({"type": "websocket.accept"})
        self.open = True
        if self.socket is not None:
            self.socket.direct_ws = self
        try:
            await self.handler(self)
        finally:
            self.open = False
            if self.socket is not None and getattr(self.socket, "direct_ws", None) is self:
                self.socket.direct_ws = None
        return ""

    async def close(self) -> None:
        self.open = False
        await super().close()

    async def send(self, message: Any) -> None:
        while self.pending is not None:  # the writer's packets come after a direct send still waiting
            await asyncio.shield(self.pending)
        self.busy += 1
        try:
            await super().send(message)
        finally:
            self.busy -= 1

    def idle(self) -> bool:
        return self.open and not self.busy and self.pending is None

    def send_now(self, text: str) -> None:
        """Send from the caller's stack; if the ASGI server must wait (flow control), go on in a task."""
        coro = self.asgi_send({"type": "websocket.send", "bytes": None, "text": text})
        try:
            first = coro.send(None)
        except StopIteration:
            return
        except Exception as exc:  # the connection is gone: its reader ends the socket
            self.open = False
            log.debug("direct send failed: %r", exc)
            return
        DirectWebSocket.waited += 1
        self.pending = task = asyncio.ensure_future(_finish(coro, first))
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Future[Any]) -> None:
        if self.pending is task:
            self.pending = None
        if not task.cancelled() and task.exception() is not None:
            self.open = False


def enable_direct_writes(sio: Any) -> None:
    """Let `DirectRoomEmit` write to this server's websockets (call before any client connects)."""
    eio = sio.eio
    eio._async = {**eio._async, "websocket": DirectWebSocket}


class DirectRoomEmit(FastRoomEmit):
    """`FastRoomEmit`, writing each idle websocket from the emit loop (see `enable_direct_writes`)."""

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:
            await socketio.AsyncManager.emit(
                self, event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs
            )
            return
        room = to or room
        if namespace not in self.rooms:
            return
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        packets = _room_packets(self.server, event, data, namespace)
        texts = [p.encode() for p in packets]
        direct_ok = all(isinstance(t, str) for t in texts)
        eio = self.server.eio
        sockets = eio.sockets
        deadline = time.time() - eio.ping_timeout
        stale = []
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid in skip:
                continue
            socket = sockets.get(eio_sid)
            if socket is None or socket.closed:
                continue
            last_ping = socket.last_ping
            if last_ping and last_ping < deadline:
                stale.append(socket)
                continue
            ws = getattr(socket, "direct_ws", None)
            if (
                direct_ok
                and ws is not None
                and ws.idle()
                and socket.upgraded
                and not socket.upgrading
                and not socket.closing
                and socket.queue.empty()
            ):
                for p, t in zip(packets, texts, strict=True):
                    if ws.pending is None:
                        ws.send_now(t)
                    else:  # the writer sends it after the waiting one
                        socket.queue.put_nowait(p)
            else:
                put = socket.queue.put_nowait
                for p in packets:
                    put(p)
        for socket in stale:
            with contextlib.suppress(Exception):
                await socket.check_ping_timeout()


class DirectEmitManager(DirectRoomEmit):
    """The in-memory manager with `DirectRoomEmit`."""
