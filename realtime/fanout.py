"""A room emit encoded once and written to each recipient's websocket without a task per recipient.

python-socketio's `AsyncManager.emit` encodes a room emit once, then creates one asyncio Task
per recipient (`AsyncServer._send_eio_packet` -> engineio `send_packet` -> `AsyncSocket.send`)
and waits for all of them; each ends in `put` on the socket's own unbounded queue, which the
socket's writer task drains onto its websocket: per recipient a task, a queue hand-over, a
wake-up of the writer and the websocket frame built again. A release of a 1,000-partner group
is 1,000 of each.

`FastRoomEmit` builds the websocket frames of an emit once (a server's frames are the same
bytes for every client) and writes them to each recipient's transport, where nothing sent
before is still on its way: the socket's queue is empty and the connection is not held by
flow control (`_Direct.takes`). Otherwise the packet joins the socket's queue as before, so a
socket never sees packets out of order. What it keeps of `AsyncSocket.send`: a closed socket
gets nothing, and a socket whose client stopped answering pings is closed through engineio's
own `check_ping_timeout`, as `send` would. Emits with a callback (ack ids per recipient) go
the library's way.

The writer side, for what still goes through the queues: on Python 3.11 `asyncio.wait_for`,
which `AsyncSocket.poll` waits on the queue with, wraps every wait in a new Task.
`quicker_socket_writers()` gives `AsyncSocket` a `poll` that waits with `asyncio.timeout`
instead, same timeout, same packets.

Both rely on engineio's socket internals (`queue`, `last_ping`, `closed`, `upgraded`, `poll`,
`_websocket_handler`), which is why python-engineio is pinned to a minor release
(pyproject.toml), and on uvicorn's websockets-sansio protocol (`_Direct.of` falls back to the
queues where it is not there or has changed). `../shared/bench-ref` measures the whole path
(bench/README.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import Callable
from typing import Any

import socketio
from engineio import async_socket, exceptions
from engineio import packet as eio_packet
from socketio import packet as sio_packet
from websockets.frames import Frame, Opcode


def _sansio_protocol() -> type[Any] | None:
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    except ImportError:  # another uvicorn: every packet goes through engineio's writer
        return None
    return WebSocketsSansIOProtocol


_SANSIO = _sansio_protocol()


def _frames(packets: list[eio_packet.Packet]) -> bytes | None:
    """The websocket frames of an emit's packets, the same bytes for every recipient: a server's
    frames are unmasked, and sockets that negotiated compression are not written to directly
    (`_Direct.of`). None for binary attachments: they go the library's way."""
    texts = [p.encode() for p in packets]
    if not all(isinstance(t, str) for t in texts):
        return None
    return b"".join(Frame(Opcode.TEXT, t.encode()).serialize(mask=False) for t in texts)


def _room_packets(server: Any, event: str, data: Any, namespace: str) -> list[eio_packet.Packet]:
    """The Engine.IO packets of one emit, encoded once for every recipient (as `AsyncManager.emit` does)."""
    if isinstance(data, tuple):
        args = list(data)
    elif data is not None:
        args = [data]
    else:
        args = []
    encoded = server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *args]).encode()
    if not isinstance(encoded, list):
        encoded = [encoded]
    packets = [eio_packet.Packet(eio_packet.MESSAGE, p) for p in encoded]
    for p in packets:
        p.encode()  # kept in the packet: every recipient's writer sends the one string
    return packets


class FastRoomEmit(socketio.AsyncManager):  # type: ignore[misc]
    """Put it after a pub/sub manager in the bases, so that the local delivery of the Redis
    manager (`AsyncPubSubManager._handle_emit` -> `super().emit`) lands here.

    Every `chunk` recipients the emit lets the event loop go round: each packet put wakes its
    socket's writer task, and 1,000 of them in one go would hold the loop for tens of
    milliseconds while requests wait. Emits to a room still leave in the order they were made:
    one waits for the one before to finish, so no socket sees a newer release before an older."""

    chunk = 200

    def watch(self, event: str, delivered: Callable[[Any], bool]) -> None:
        """Ask `delivered(data)` before an emit of `event` reaches this process's sockets (its own
        emits and, through a pub/sub manager, those of the other workers); False keeps it from them."""
        self.__dict__.setdefault("_watchers", {})[event] = delivered

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
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs)
            return
        room = to or room
        watcher = self.__dict__.get("_watchers", {}).get(event)
        if watcher is not None and not watcher(data):
            return
        if namespace not in self.rooms:
            return
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        packets = _room_packets(self.server, event, data, namespace)
        frames = _frames(packets)
        eio = self.server.eio
        stale = []
        async with self._in_order(room):
            recipients = list(self.get_participants(namespace, room))  # the room may change while the loop goes round
            deadline = time.time() - eio.ping_timeout
            for n, (sid, eio_sid) in enumerate(recipients, 1):
                if n % self.chunk == 0:
                    await asyncio.sleep(0)
                socket = eio.sockets.get(eio_sid)
                if sid in skip or socket is None or socket.closed:
                    continue
                if socket.last_ping and socket.last_ping < deadline:
                    stale.append(socket)
                    continue
                direct: _Direct | None = getattr(socket, "direct", None)
                if frames is not None and direct is not None and direct.takes(socket):
                    direct.transport.write(frames)
                else:
                    for p in packets:
                        socket.queue.put_nowait(p)  # engineio's queues are unbounded
        for socket in stale:
            with contextlib.suppress(exceptions.SocketIsClosedError):
                await socket.check_ping_timeout()

    def _in_order(self, room: Any) -> asyncio.Lock:
        """One lock per room: a partner's own update need not wait for a group's fan-out."""
        locks: weakref.WeakValueDictionary[Any, asyncio.Lock] | None = getattr(self, "_emitting", None)
        if locks is None:
            locks = weakref.WeakValueDictionary()
            self._emitting = locks
        key = tuple(room) if isinstance(room, list) else room
        lock = locks.get(key)
        if lock is None:
            lock = locks[key] = asyncio.Lock()  # kept while an emit holds or waits for it
        return lock


class FastEmitManager(FastRoomEmit):
    """The in-memory manager of one process, with `FastRoomEmit`."""


async def _poll(self: async_socket.AsyncSocket) -> list[eio_packet.Packet]:
    """`AsyncSocket.poll` (engineio 4.x) with `asyncio.timeout` in place of `asyncio.wait_for`."""
    queue = self.queue
    try:
        if queue.empty():
            async with asyncio.timeout(self.server.ping_interval + self.server.ping_timeout):
                first = await queue.get()
        else:
            first = queue.get_nowait()
        queue.task_done()
    except (TimeoutError, asyncio.CancelledError):
        raise exceptions.QueueEmpty() from None
    if first is None:
        return []
    packets = [first]
    while not queue.empty():
        pkt = queue.get_nowait()
        queue.task_done()
        if pkt is None:
            queue.put_nowait(None)
            break
        packets.append(pkt)
    return packets


class _Direct:
    """A websocket served by uvicorn's websockets-sansio protocol (the portal's `portal serve`),
    to write an emit's frames to, with what the protocol's own `send` checks before it writes."""

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.transport = protocol.transport

    @classmethod
    def of(cls, ws: Any) -> _Direct | None:
        """For engineio's ASGI websocket `ws`; None where the frames cannot be written as they are
        (another server or websocket implementation, compression) or uvicorn has changed."""
        protocol = getattr(getattr(ws, "asgi_send", None), "__self__", None)
        if _SANSIO is None or not isinstance(protocol, _SANSIO):
            return None
        if not all(hasattr(protocol, a) for a in ("transport", "writable", "close_sent", "disconnected", "conn")):
            return None
        return None if protocol.conn.extensions else cls(protocol)

    def takes(self, socket: async_socket.AsyncSocket) -> bool:
        """Whether a frame written now lands after everything sent to the socket before: nothing
        waits in its queue, and its writer, which never stops between taking packets from the
        queue and writing them, is not held by flow control (a client that reads slowly)."""
        p = self.protocol
        return (
            socket.upgraded
            and not socket.upgrading
            and socket.queue.empty()
            and p.writable.is_set()
            and not (p.close_sent or p.disconnected or p.transport.is_closing())
        )


_websocket_handler = async_socket.AsyncSocket._websocket_handler


async def _handler(self: async_socket.AsyncSocket, ws: Any) -> Any:
    """engineio's websocket handler, with the socket's `direct` writer while it runs."""
    self.direct = _Direct.of(ws)
    try:
        return await _websocket_handler(self, ws)
    finally:
        self.direct = None


def quicker_socket_writers() -> None:
    """Give engineio's sockets `_poll` and the `direct` writer (process-wide; idempotent)."""
    async_socket.AsyncSocket.poll = _poll
    async_socket.AsyncSocket._websocket_handler = _handler
