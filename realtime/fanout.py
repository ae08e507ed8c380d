"""A room emit without a task per recipient, and socket writers without a task per packet.

python-socketio's `AsyncManager.emit` encodes a room emit once, then creates one asyncio Task
per recipient (`AsyncServer._send_eio_packet` -> engineio `send_packet` -> `AsyncSocket.send`)
and waits for all of them; each ends in `put` on the socket's own unbounded queue, which the
socket's writer task drains onto its websocket. A release of a 1,000-partner group is 1,000
tasks. `FastRoomEmit` puts the one encoded packet into each recipient's queue directly. What
it keeps of `AsyncSocket.send`: a closed socket gets nothing, and a socket whose client stopped
answering pings is closed through engineio's own `check_ping_timeout`, as `send` would.
Emits with a callback (ack ids per recipient) go the library's way.

The writer side: on Python 3.11 `asyncio.wait_for`, which `AsyncSocket.poll` waits on the queue
with, wraps every wait in a new Task. `quicker_socket_writers()` gives `AsyncSocket` a `poll`
that waits with `asyncio.timeout` instead, same timeout, same packets.

Both rely on engineio's socket internals (`queue`, `last_ping`, `closed`, `poll`), which is why
python-engineio is pinned to a minor release (pyproject.toml); `bench/fanout_cost.py`
measures them (per socket 16-22 µs instead of 46-82 µs).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from typing import Any

import socketio
from engineio import async_socket, exceptions
from engineio import packet as eio_packet
from socketio import packet as sio_packet


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
        if namespace not in self.rooms:
            return
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        packets = _room_packets(self.server, event, data, namespace)
        eio = self.server.eio
        stale = []
        async with self._in_order(room):
            recipients = list(self.get_participants(namespace, room))  # the room may change while the loop goes round
            deadline = time.time() - eio.ping_timeout
            for n, (sid, eio_sid) in enumerate(recipients, 1):
                if sid in skip:
                    continue
                socket = eio.sockets.get(eio_sid)
                if socket is None or socket.closed:
                    continue
                if socket.last_ping and socket.last_ping < deadline:
                    stale.append(socket)
                    continue
                for p in packets:
                    socket.queue.put_nowait(p)  # engineio's queues are unbounded
                if n % self.chunk == 0 and n < len(recipients):
                    await asyncio.sleep(0)
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


def quicker_socket_writers() -> None:
    """Give engineio's sockets `_poll` (process-wide; idempotent)."""
    async_socket.AsyncSocket.poll = _poll
