"""The socket clients of bench/fanout_cost.py: raw or python-socketio websocket clients in child
processes, each noting when it received which emit (CLOCK_MONOTONIC)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import time
from multiprocessing.connection import Connection
from typing import Any

from clients import Piped
from lean_client import frame, take_frames, upgrade_request

CONNECTS_IN_FLIGHT = 25


class RawClient(asyncio.Protocol):
    """A minimal Engine.IO/Socket.IO websocket client on a bare asyncio protocol (its own framing): joins
    "room", answers pings, and notes each `update` with as little client CPU as can be, so that the spread
    shows the server's side rather than python-socketio's client."""

    def __init__(self, owner: Clients, joined: asyncio.Future[bool]) -> None:
        self.owner, self.joined = owner, joined
        self.buffer = bytearray()
        self.upgraded = False
        self.transport: Any = None
        self.join_answer: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(upgrade_request("127.0.0.1"))

    def send_text(self, text: bytes) -> None:
        self.transport.write(frame(0x1, text))

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in buffer[:end]:
                self.joined.set_exception(ConnectionError(bytes(buffer[:end]).decode(errors="replace")))
                return
            del buffer[: end + 4]
            self.upgraded = True
        for opcode, payload in take_frames(buffer):
            if opcode == 1:
                self.on_text(payload, now)
            elif opcode == 9:  # websocket ping of uvicorn
                self.transport.write(frame(0xA, payload))

    def on_text(self, payload: bytes, now: float) -> None:
        if payload.startswith(b'42["update"'):
            at = payload.rfind(b'"seq":') + 6
            self.owner.on_update({"seq": int(payload[at : payload.index(b"}", at)])}, now)
        elif payload == b"2":
            self.send_text(b"3")
        elif payload.startswith(b"0{"):
            self.send_text(b"40")
        elif payload.startswith(b"40"):
            self.send_text(b'420["join","room"]')
        elif payload.startswith(b"430") and not self.joined.done():
            self.join_answer = json.loads(payload[3:])
            self.joined.set_result(True)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.joined.done():
            self.joined.set_exception(ConnectionError("closed"))

    async def disconnect(self) -> None:
        self.transport.close()


class Clients:
    def __init__(self, index: int, counts: Any) -> None:
        self.index, self.counts = index, counts
        self.clients: list[Any] = []
        self.seen: dict[int, list[float]] = {}  # seq -> [first, last, count]

    def on_update(self, data: dict[str, Any], now: float | None = None) -> None:
        now = now or time.monotonic()
        entry = self.seen.get(data["seq"])
        if entry is None:
            self.seen[data["seq"]] = [now, now, 1]
        else:
            entry[1] = now
            entry[2] += 1
        self.counts[self.index] += 1

    async def connect(self, url: str, n: int, kind: str) -> int:
        import socketio

        limit = asyncio.Semaphore(CONNECTS_IN_FLIGHT)
        failed = 0
        if kind == "raw":
            loop = asyncio.get_running_loop()
            port = int(url.rsplit(":", 1)[1])

            async def raw() -> None:
                nonlocal failed
                joined: asyncio.Future[bool] = loop.create_future()
                async with limit:
                    try:
                        _, protocol = await loop.create_connection(lambda: RawClient(self, joined), "127.0.0.1", port)
                        await asyncio.wait_for(joined, 30)
                    except Exception:
                        failed += 1
                        return
                self.clients.append(protocol)

            await asyncio.gather(*(raw() for _ in range(n)))
            return failed

        async def one() -> None:
            nonlocal failed
            client = socketio.AsyncClient(reconnection=False)

            async def update(data: dict[str, Any]) -> None:
                self.on_update(data)

            client.on("update", update)
            async with limit:
                try:
                    await client.connect(url, transports=["websocket"], wait_timeout=30)
                    await client.call("join", "room", timeout=30)
                except Exception:
                    failed += 1
                    return
            self.clients.append(client)

        await asyncio.gather(*(one() for _ in range(n)))
        return failed

    async def disconnect(self) -> None:
        await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)
        self.clients, self.seen = [], {}
        self.counts[self.index] = 0


def client_main(conn: Connection, index: int, counts: Any) -> None:
    import logging

    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    logging.getLogger("socketio.client").setLevel(logging.CRITICAL)

    async def loop() -> None:
        clients = Clients(index, counts)
        ev = asyncio.get_running_loop()
        while True:
            command, argument = await ev.run_in_executor(None, conn.recv)
            if command == "connect":
                conn.send(await clients.connect(*argument))
            elif command == "seen":
                conn.send(clients.seen)
            elif command == "disconnect":
                await clients.disconnect()
                conn.send(None)
            elif command == "stop":
                await clients.disconnect()
                conn.send(None)
                return

    asyncio.run(loop())


class ClientProcs(Piped):
    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.counts = context.RawArray("q", processes)
        self.pipes: list[Connection] = []
        self.procs = []
        for i in range(processes):
            ours, theirs = context.Pipe()
            proc = context.Process(target=client_main, args=(theirs, i, self.counts), daemon=True)
            proc.start()
            self.pipes.append(ours)
            self.procs.append(proc)

    def received(self) -> int:
        return sum(self.counts)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ask("stop")
        for proc in self.procs:
            proc.join(5)


# ---------------------------------------------------------------- driver
