"""Chat fan-out: message round trip with 200 and 1,000 members connected to one room.

Set-up (temp dir): `portal demo-data --partners 1000` (or a copy of --cache), the room of
the network-wide group "Alle Partner", personal access tokens for its managing directors
gf1001.., `portal serve` as a subprocess (one worker, SQLite).

Members: python-socketio AsyncClients (websocket, `auth={"token": ...}`) spread over
--client-procs processes; each records when `chat:message` of a message id arrives
(CLOCK_MONOTONIC, shared by all processes of the machine). Senders: --senders further
members in this process, taking turns so that no one hits the flood limit (6 messages
per connection and 10 s).

One sample: a sender emits `chat:send` and waits for its ack; printed are p50/p95/p99
of send -> ack (stored, emitted) and of send -> the last member's receipt, with
delivered and lost counts (lost: no receipt within --timeout s).

Run: .venv/bin/python bench/chat_fanout.py [--members 200,1000] [--rounds 30]
     [--client-procs 2] [--cache /tmp/portal-demo-1000.sqlite3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import sqlite3
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import socketio
from portal_setup import build_demo, create_tokens, raise_open_files_limit, serving, workspace

CONNECTS_IN_FLIGHT = 20


def member_process(conn: Connection, url: str, room: int) -> None:
    asyncio.run(_Members(url, room).serve(conn))


@dataclass
class _Members:
    url: str
    room: int
    clients: list[socketio.AsyncClient] = field(default_factory=list)
    receipts: dict[int, list[float]] = field(default_factory=dict)  # message id -> receipt times
    complete: dict[int, asyncio.Event] = field(default_factory=dict)  # message id -> every client has it

    async def serve(self, conn: Connection) -> None:
        loop = asyncio.get_running_loop()
        while True:
            command, argument = await loop.run_in_executor(None, conn.recv)
            if command == "connect":
                conn.send(await self.connect(argument))
            elif command == "collect":
                message_id, deadline = argument
                conn.send(await self.collect(message_id, deadline))
            elif command == "stop":
                await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)
                conn.send(None)
                return

    async def connect(self, tokens: list[str]) -> int:
        limit = asyncio.Semaphore(CONNECTS_IN_FLIGHT)
        failed = 0

        async def one(token: str) -> None:
            nonlocal failed
            client = socketio.AsyncClient()

            async def on_message(data: dict[str, Any]) -> None:
                if data.get("room") == self.room:
                    arrived = self.receipts.setdefault(int(data["id"]), [])
                    arrived.append(time.monotonic())
                    if len(arrived) >= len(self.clients):
                        self.complete.setdefault(int(data["id"]), asyncio.Event()).set()

            client.on("chat:message", on_message)
            async with limit:
                try:
                    await client.connect(self.url, auth={"token": token}, transports=["websocket"], wait_timeout=60)
                except Exception:
                    failed += 1
                    return
            self.clients.append(client)

        await asyncio.gather(*(one(t) for t in tokens))
        return failed

    async def collect(self, message_id: int, deadline: float) -> list[float]:
        done = self.complete.setdefault(message_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), max(0.0, deadline - time.monotonic()))
        self.complete.pop(message_id, None)
        return self.receipts.pop(message_id, [])


def percentiles(values: list[float]) -> str:
    if not values:
        return "–"
    p50, p95, p99 = np.percentile(np.array(values) * 1000, [50, 95, 99])
    return f"p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms   (n={len(values)})"


async def stage(url: str, room: int, members: list[str], senders: list[str], args: argparse.Namespace) -> None:
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    for _ in range(args.client_procs):
        ours, theirs = context.Pipe()
        process = context.Process(target=member_process, args=(theirs, url, room), daemon=True)
        process.start()
        pipes.append(ours)
        processes.append(process)
    shares = [members[i :: args.client_procs] for i in range(args.client_procs)]
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    for pipe, share in zip(pipes, shares, strict=True):
        pipe.send(("connect", share))
    failed = sum(await asyncio.gather(*(loop.run_in_executor(None, p.recv) for p in pipes)))
    talkers = []
    for token in senders:
        client = socketio.AsyncClient()
        await client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=60)
        talkers.append(client)
    listening = len(members) - failed + len(talkers)
    print(
        f"\n{len(members)} members connected in {time.monotonic() - started:.1f} s ({failed} failed), "
        f"+ {len(talkers)} senders; every message goes to {listening} sockets"
    )
    acks, lasts, refused = [], [], 0
    delivered = expected = 0
    for round_no in range(args.rounds):
        sender = talkers[round_no % len(talkers)]
        sent = time.monotonic()
        answer = await sender.call("chat:send", {"room": room, "body": f"Messwert {round_no}"}, timeout=10)
        acked = time.monotonic()
        if not answer.get("ok"):
            refused += 1
            print(f"  refused: {answer.get('error')}")
            continue
        deadline = time.monotonic() + args.timeout
        for pipe in pipes:
            pipe.send(("collect", (answer["id"], deadline)))
        receipts = [
            t for batch in await asyncio.gather(*(loop.run_in_executor(None, p.recv) for p in pipes)) for t in batch
        ]
        acks.append(acked - sent)
        expected += len(members) - failed
        delivered += len(receipts)
        if receipts:
            lasts.append(max(receipts) - sent)
        await asyncio.sleep(args.pause)
    print(f"  send -> ack                 {percentiles(acks)}")
    print(f"  send -> last member         {percentiles(lasts)}")
    print(f"  delivered {delivered} of {expected}, lost {expected - delivered}, refused {refused}")
    for client in talkers:
        await client.disconnect()
    for pipe in pipes:
        pipe.send(("stop", None))
        pipe.recv()
    for process in processes:
        process.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--members", default="200,1000")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--pause", type=float, default=0.3)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    counts = [int(n) for n in args.members.split(",")]
    print(f"open files: {raise_open_files_limit()}")
    with workspace(args.keep) as ws:
        print(f"demo network ({args.partners} partners): {build_demo(ws, args.partners, 36, args.cache):.1f} s")
        names = [f"gf{1001 + i}" for i in range(max(counts))]
        tokens = create_tokens(ws, names)
        with sqlite3.connect(ws.database) as db:
            (room,) = db.execute("select id from chat_rooms where name = 'Alle Partner'").fetchone()
        with serving(ws) as url:
            for count in counts:
                members = [tokens[n] for n in names[:count]]
                # Senders are second sockets of members (a user may have several tabs open).
                senders = [tokens[n] for n in names[: args.senders]]
                asyncio.run(stage(url, room, members, senders, args))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
