"""Does a room emit through bench/fanout_manager.py still deliver everything, in order? (functional, not timing)

One process: uvicorn (websockets-sansio) serving `socketio.AsyncServer` with the manager
under test (--mgr default|fast|direct), and in the same event loop
- 20 minimal websocket clients (fanout_clients.RawClient) in the room, one of them skipped
  (`skip_sid`) on every odd emit;
- one client with a 4 KB receive buffer that stops reading after joining, so that the
  server's transport pauses writing (for `direct`: its sends must wait in a task and the
  writer's later packets after them) and reads again after the emits;
- 5 python-socketio AsyncClients with the default transports (long-polling, then the
  upgrade to websocket) connecting while the emits run;
- --emits emits of a ~16 KB dict with a sequence number, each 10th also to one client's own
  sid (`to=sid`, the same stream), 3 ms between the first half of the emits, a loop turn between the others.

Checked: every raw client got exactly the expected sequence (the skipped one only the
even ones); each upgrading client an unbroken run from its first receipt to the last emit;
for `direct` that sends did have to wait. Exit code 0 when all hold.

Run: .venv/bin/python bench/fanout_check.py --mgr direct   (and fast, default)
"""

from __future__ import annotations

# ruff: noqa: ASYNC110  (a benchmark: polls counters and flags, starts its server and py-spy by hand)
import argparse
import asyncio
import logging
import socket
import sys
import time
from pathlib import Path
from typing import Any

import socketio
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fanout_manager
from fanout_clients import RawClient
from fanout_cost import free_port

BIG = {"rows": [{"id": i, "text": "x" * 150} for i in range(100)]}  # ~16 KB of JSON


class Seqs:
    """RawClient's owner: the sequence numbers one client received, in order."""

    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.counts = [0]
        self.index = 0

    def on_update(self, data: dict[str, Any], now: float | None = None) -> None:
        self.seqs.append(int(data["seq"]))


async def raw_client(port: int, rcvbuf: int | None = None) -> tuple[RawClient, Seqs]:
    loop = asyncio.get_running_loop()
    owner = Seqs()
    joined: asyncio.Future[bool] = loop.create_future()
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    _, protocol = await loop.create_connection(lambda: RawClient(owner, joined), sock=sock)  # type: ignore[arg-type]
    await asyncio.wait_for(joined, 10)
    return protocol, owner


async def check(mgr: str, emits: int) -> bool:
    manager: Any = {
        "default": None,
        "fast": fanout_manager.FastEmitManager() if mgr == "fast" else None,
        "direct": fanout_manager.DirectEmitManager() if mgr == "direct" else None,
    }[mgr]
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager, logger=False, engineio_logger=False)
    if mgr == "direct":
        fanout_manager.enable_direct_writes(sio)

    @sio.on("join")
    async def join(sid: str, room: str) -> str:
        await sio.enter_room(sid, room)
        return sid

    port = free_port()
    config = uvicorn.Config(
        socketio.ASGIApp(sio),
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)

    raws = [await raw_client(port) for _ in range(20)]
    skipped = raws[0][0].join_answer
    personal = raws[1][0].join_answer
    stalled, stalled_seqs = await raw_client(port, rcvbuf=4096)
    stalled.transport.pause_reading()

    upgraded: list[list[int]] = []
    transports: list[str] = []

    async def upgrading_client() -> None:
        seqs: list[int] = []
        upgraded.append(seqs)
        client = socketio.AsyncClient(reconnection=False)

        @client.on("update")
        async def update(data: dict[str, Any]) -> None:
            seqs.append(int(data["seq"]))

        await client.connect(f"http://127.0.0.1:{port}", wait_timeout=10)  # polling, then the upgrade
        await client.call("join", "room")
        await finished.wait()
        transports.append(client.transport())
        await client.disconnect()

    finished = asyncio.Event()
    joiners = [asyncio.create_task(upgrading_client()) for _ in range(5)]
    for seq in range(emits):
        await sio.emit("update", {**BIG, "seq": seq}, room="room", skip_sid=skipped if seq % 2 else None)
        if seq % 10 == 5:
            # the same stream to one client: must land between seq and seq + 1
            await sio.emit("update", {"seq": 100_000 + seq}, to=personal)
        await asyncio.sleep(0.003 if seq < emits // 2 else 0)  # the polling clients connect and upgrade meanwhile
    await asyncio.sleep(1.0)
    stalled.transport.resume_reading()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        len(stalled_seqs.seqs) < emits or any(len(o.seqs) < emits // 2 for _, o in raws)
    ):
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    finished.set()
    await asyncio.gather(*joiners, return_exceptions=True)

    ok = True
    everything = list(range(emits))
    for i, (_, owner) in enumerate(raws):
        if i == 0:
            expected = [s for s in everything if s % 2 == 0]
        elif i == 1:
            expected = [x for s in everything for x in ([s, 100_000 + s] if s % 10 == 5 else [s])]
        else:
            expected = everything
        got = owner.seqs
        if got != expected:
            ok = False
            print(
                f"  raw client {i}: {len(got)} of {len(expected)}, first difference at "
                f"{next((k for k, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), len(got))}"
            )
    if stalled_seqs.seqs != everything:
        ok = False
        in_order = stalled_seqs.seqs == sorted(stalled_seqs.seqs)
        print(f"  stalled client: {len(stalled_seqs.seqs)} of {emits}, in order: {in_order}")
    for seqs in upgraded:
        if not seqs or seqs != list(range(seqs[0], emits)):
            ok = False
            print(
                f"  upgrading client: {len(seqs)} received, from {seqs[:1]}, unbroken: "
                f"{bool(seqs) and seqs == list(range(seqs[0], seqs[0] + len(seqs)))}"
            )
    waited = fanout_manager.DirectWebSocket.waited
    if transports != ["websocket"] * len(upgraded):
        ok = False
        print(f"  not all polling clients upgraded: {transports}")
    if mgr == "direct" and not waited:
        ok = False
        print("  no direct send had to wait: the stalled client did not exercise flow control")
    print(
        f"{mgr}: {'OK' if ok else 'FAILED'} ({emits} emits; upgrading clients from seq "
        f"{[s[0] if s else None for s in upgraded]}; direct sends that waited: {waited})"
    )
    for protocol, _ in raws:
        protocol.transport.close()
    stalled.transport.close()
    server.should_exit = True
    await serving
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mgr", choices=["default", "fast", "direct"], default="direct")
    parser.add_argument("--emits", type=int, default=400)
    args = parser.parse_args()
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    sys.exit(0 if asyncio.run(check(args.mgr, args.emits)) else 1)


if __name__ == "__main__":
    main()
