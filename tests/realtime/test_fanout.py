"""Room emits without a task per recipient (realtime/fanout.py), seen from real clients over real sockets."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio
from websockets.asyncio.client import connect

from realtime.publish import Publisher
from realtime.rooms import chat_room, group_room
from realtime.server import Identity, create_socket_server
from tests.support.server import serving


async def _identity(environ: dict[str, Any], auth: Any) -> Identity | None:
    return Identity(user_id=int(auth["user"]), rooms=frozenset(auth["rooms"]))


@pytest.fixture
async def server() -> AsyncIterator[tuple[socketio.AsyncServer, str]]:
    sio = create_socket_server(_identity, allowed_origins=["http://127.0.0.1"])
    async with serving(socketio.ASGIApp(sio)) as url:
        yield sio, url


class Listener:
    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.got: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for event in ("kpi:update", "chat:typing"):
            self.client.on(event, lambda data, event=event: self.got.put_nowait((event, data)))

    async def connect(self, url: str, user: int, rooms: list[str]) -> Listener:
        await self.client.connect(url, transports=["websocket"], auth={"user": user, "rooms": rooms}, wait_timeout=5)
        return self

    async def take(self, count: int) -> list[tuple[str, Any]]:
        """The next `count` events, then nothing more within 0.2 s."""
        async with asyncio.timeout(5):
            taken = [await self.got.get() for _ in range(count)]
        await asyncio.sleep(0.2)
        assert self.got.empty(), "more events than expected"
        return taken


async def test_a_room_emit_reaches_every_member_once_in_order_and_nobody_else(
    server: tuple[socketio.AsyncServer, str],
) -> None:
    sio, url = server
    members = [await Listener().connect(url, n, [group_room(7)]) for n in range(5)]
    others = [await Listener().connect(url, 10 + n, [group_room(8)]) for n in range(2)]
    publisher = Publisher(sio)
    try:
        for n in range(40):
            await publisher.kpi_update(7, "2026-11", {"revenue": {"n": n}})
        for m in members:
            assert [data["kpis"]["revenue"]["n"] for _, data in await m.take(40)] == list(range(40))
        assert [o.got.qsize() for o in others] == [0, 0]
    finally:
        for listener in members + others:
            await listener.client.disconnect()


async def test_the_sender_is_left_out_when_asked(server: tuple[socketio.AsyncServer, str]) -> None:
    sio, url = server
    typing, reading = [await Listener().connect(url, n, [chat_room(3)]) for n in (1, 2)]
    try:
        await Publisher(sio).chat_event("chat:typing", 3, {"user": "A"}, skip_sid=typing.client.get_sid())
        assert await reading.take(1) == [("chat:typing", {"room": 3, "user": "A"})]
        assert typing.got.empty()
    finally:
        await typing.client.disconnect()
        await reading.client.disconnect()


async def test_a_socket_whose_client_stopped_answering_is_closed_by_the_next_emit(
    server: tuple[socketio.AsyncServer, str],
) -> None:
    sio, url = server
    silent, alive = [await Listener().connect(url, n, [group_room(5)]) for n in (1, 2)]
    try:
        eio_sid = sio.manager.eio_sid_from_sid(silent.client.get_sid(), "/")
        sio.eio.sockets[eio_sid].last_ping = time.time() - sio.eio.ping_timeout - 5  # as if its pongs stopped
        await Publisher(sio).kpi_update(5, "2026-11", {"revenue": {"n": 5}})
        assert len(await alive.take(1)) == 1
        assert silent.got.empty()
        # Gone from the server: no packets pile up for it (engineio itself sends it no CLOSE here).
        assert [sid for sid, _ in sio.manager.get_participants("/", group_room(5))] == [alive.client.get_sid()]
        assert sio.eio.sockets.get(eio_sid) is None or sio.eio.sockets[eio_sid].closed
    finally:
        await alive.client.disconnect()
        await silent.client.disconnect()


async def test_emits_made_at_once_reach_every_member_in_the_order_they_were_made(
    server: tuple[socketio.AsyncServer, str],
) -> None:
    sio, url = server
    sio.manager.chunk = 2  # a large room in small: the emits let the event loop go round halfway
    members = [await Listener().connect(url, n, [group_room(7)]) for n in range(5)]
    publisher = Publisher(sio)
    try:
        await asyncio.gather(*(publisher.kpi_update(7, "2026-11", {"revenue": {"n": n}}) for n in range(20)))
        for m in members:
            assert [data["kpis"]["revenue"]["n"] for _, data in await m.take(20)] == list(range(20))
    finally:
        for listener in members:
            await listener.client.disconnect()


@pytest.mark.parametrize("turns", [1, 6], ids=["writer-after-each-update", "writer-now-and-then"])
async def test_a_dashboard_that_reads_slowly_still_gets_every_update_once_and_in_order(
    server: tuple[socketio.AsyncServer, str], turns: int
) -> None:
    """Room updates are written straight to a socket only while nothing sent before them is still
    on its way: not while a packet waits in the socket's queue (every third update here goes that
    way, as pings and acknowledgements do), nor while the client's connection is held by flow control."""
    sio, url = server
    endpoint = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    # A plain websocket client that reads nothing while the updates are sent (a queue of one frame).
    async with connect(endpoint, max_queue=1, max_size=None, compression=None) as ws:
        assert str(await ws.recv()).startswith("0")  # Engine.IO open
        await ws.send("40" + json.dumps({"user": 1, "rooms": [group_room(7)]}))
        assert str(await ws.recv()).startswith("40")  # Socket.IO connect
        eio_sid = next(iter(sio.eio.sockets))
        publisher = Publisher(sio)
        filler = "x" * 50_000
        for n in range(300):  # 15 MB, more than the connection's buffers hold
            update = {"group": 7, "period": "2026-11", "kpis": {"revenue": {"n": n, "filler": filler}}}
            if n % 3 == 0:  # through the socket's queue and its writer
                await sio.eio.send(eio_sid, "2" + json.dumps(["kpi:update", update]))
            else:
                await publisher.kpi_update(7, "2026-11", update["kpis"])
            if n % turns == turns - 1:
                await asyncio.sleep(0)  # the socket's writer takes what waits in its queue
        got: list[int] = []
        async with asyncio.timeout(20):
            while len(got) < 300:
                message = str(await ws.recv())
                if message.startswith("42"):
                    got.append(json.loads(message[2:])[1]["kpis"]["revenue"]["n"])
                elif message == "2":  # Engine.IO ping
                    await ws.send("3")
        assert got == list(range(300))
