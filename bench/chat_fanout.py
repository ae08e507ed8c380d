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
import sqlite3
import time
from pathlib import Path
from typing import Any

import socketio
from clients import ClientPool, ClientProcess, percentiles
from portal_setup import build_demo, create_tokens, raise_open_files_limit, serving, workspace


class RoomMembers(ClientProcess):
    """Clients that note when each `chat:message` of the room arrives."""

    def __init__(self, url: str, room: int) -> None:
        super().__init__(url)
        self.room = room
        self.receipts: dict[int, list[float]] = {}  # message id -> receipt times
        self.complete: dict[int, asyncio.Event] = {}  # message id -> every client has it

    def listen(self, client: socketio.AsyncClient, index: int) -> None:
        async def on_message(data: dict[str, Any]) -> None:
            if data.get("room") == self.room:
                arrived = self.receipts.setdefault(int(data["id"]), [])
                arrived.append(time.monotonic())
                if len(arrived) >= len(self.clients):
                    self.complete.setdefault(int(data["id"]), asyncio.Event()).set()

        client.on("chat:message", on_message)

    async def collect(self, argument: tuple[int, float]) -> list[float]:
        message_id, deadline = argument
        done = self.complete.setdefault(message_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), max(0.0, deadline - time.monotonic()))
        self.complete.pop(message_id, None)
        return self.receipts.pop(message_id, [])


async def stage(url: str, room: int, members: list[str], senders: list[str], args: argparse.Namespace) -> None:
    pool = ClientPool(RoomMembers, (url, room), args.client_procs)
    started = time.monotonic()
    failed = len(await pool.connect_async(members))
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
        batches = await pool.ask_async("collect", [(answer["id"], deadline)] * len(pool.pipes))
        receipts = [t for batch in batches for t in batch]
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
    await asyncio.get_running_loop().run_in_executor(None, pool.close)


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
