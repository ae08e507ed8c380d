"""Server CPU of one Socket.IO room emit to N websocket clients, per variant of the serving stack.

Standalone (not the portal): `socketio.AsyncServer(async_mode="asgi", logger=False,
engineio_logger=False)` in a `socketio.ASGIApp` under uvicorn on 127.0.0.1, started as a
subprocess with the Python, `ws` implementation, event loop, task factory and client
manager of the variant. N python-socketio AsyncClients (websocket transport) in
--client-procs processes connect and join the room "room" by an event. A driver client
(not in the room) then asks the server K times (+ warm-ups) by the event `blast` to emit a
~1 KB dict to the room, one emit at a time.

Per emit: server CPU from /proc/<pid>/task/*/schedstat (ns), read before the trigger and
20 ms after the last client has it, less the idle rate of the connected server measured
before; receipt times are CLOCK_MONOTONIC (shared by the processes): spread = first to last
receipt, tail = server's emit start to last receipt, call = duration of `await sio.emit()`.
Printed are medians over the K emits (and p90 of spread and tail).

Variants (repeat --variant; keys default to py=3.11, ws=websockets-sansio, loop=uvloop,
mgr=default, eager=0, poll=0):
  py=3.11|3.12|3.13        server interpreter (--python VER=PATH; 3.11 is this venv's,
                           3.12/3.13 default to /tmp/fanout-venv3.12 and 3.13, made with
                           python-socketio==5.18.1 python-engineio==4.15.1
                           uvicorn[standard]==0.54.0 websockets aiohttp uvloop)
  ws=websockets|websockets-sansio|wsproto   uvicorn --ws
  loop=asyncio|uvloop      uvicorn --loop
  mgr=default|fast|direct|redis|redis-fast|redis-direct   socketio.AsyncManager,
                           fanout_manager.FastEmitManager, fanout_manager.DirectEmitManager
                           (+ enable_direct_writes), socketio.AsyncRedisManager (needs
                           redis-server on --redis-url), AsyncRedisManager with FastRoomEmit,
                           with DirectRoomEmit
  eager=1                  loop.set_task_factory(asyncio.eager_task_factory) (3.12+)
  poll=1                   fanout_manager.patch_engineio_poll() (writer without wait_for)
  gc=off                   gc.disable() in the server (full collections are counted either way)

--client-kind raw uses minimal clients (RawClient, ~15 µs of CPU per receipt instead of
python-socketio's ~80-120 µs), so that spread and tail show the server rather than the clients.
--profile DIR records py-spy stacks of the measured emits. bench/fanout_check.py checks that
the managers of bench/fanout_manager.py deliver everything in order.

Run: .venv/bin/python bench/fanout_cost.py [--clients 1000] [--emits 20] [--client-procs 2]
     [--client-kind raw] --variant mgr=default --variant mgr=direct ...  (or --matrix)

Results 2026-11-28 (2 cores, 1,000 sockets, ~1 KB; medians of 20 emits; the machine's speed
and full GC pauses move single runs by a third): server CPU per emit, 3.11 + uvloop +
websockets-sansio: AsyncManager 46-82 ms (full collections of ~220k objects cost ~100-125 ms
each and hit every 4th-8th emit); FastEmitManager 44-65 ms; + poll patch or Python 3.12
32-56 ms; DirectEmitManager 16-22 ms (AsyncRedisManager 62-77 ms, with DirectRoomEmit 22-25
ms). ws=websockets / wsproto +10-20 %, loop=asyncio +0-10 %, 3.12/3.13 alone 0-15 %, eager
tasks within noise.
"""

from __future__ import annotations

# ruff: noqa: ASYNC110, ASYNC220, ASYNC240  (a benchmark: polls counters and flags, starts its server and py-spy by hand)
import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fanout_clients import ClientProcs

HERE = Path(__file__).resolve().parent
PYTHONS = {
    "3.11": sys.executable,
    "3.12": "/tmp/fanout-venv3.12/bin/python",
    "3.13": "/tmp/fanout-venv3.13/bin/python",
}
DEFAULTS = {
    "py": "3.11",
    "ws": "websockets-sansio",
    "loop": "uvloop",
    "mgr": "default",
    "eager": "0",
    "poll": "0",
    "gc": "on",
}
MATRIX = [
    "mgr=default",
    "mgr=default,loop=asyncio",
    "mgr=default,ws=websockets",
    "mgr=default,ws=wsproto",
    "mgr=default,py=3.12",
    "mgr=default,py=3.12,eager=1",
    "mgr=default,py=3.13",
    "mgr=fast",
    "mgr=fast,loop=asyncio",
    "mgr=fast,poll=1",
    "mgr=fast,py=3.12",
    "mgr=fast,py=3.12,eager=1",
    "mgr=direct",
    "mgr=direct,loop=asyncio",
    "mgr=direct,ws=websockets",
    "mgr=direct,ws=wsproto",
    "mgr=direct,py=3.12",
]
# ~1 KB of JSON, like a group's KPI update


def cpu_ns(pid: int) -> int:
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(FileNotFoundError), open(f"/proc/{pid}/task/{task}/schedstat") as f:
            total += int(f.read().split()[0])
    return total


def user_sys_ticks(pid: int) -> tuple[int, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])  # utime, stime (clock ticks)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parse_variant(spec: str) -> dict[str, str]:
    options = dict(DEFAULTS)
    for part in filter(None, spec.split(",")):
        key, _, value = part.partition("=")
        if key not in DEFAULTS:
            raise SystemExit(f"unknown variant key {key!r} in {spec!r}")
        options[key] = value
    return options


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(spec: str, args: argparse.Namespace, procs: ClientProcs) -> dict[str, Any] | None:
    import socketio

    options = parse_variant(spec)
    python = PYTHONS[options["py"]]
    port = free_port()
    server = subprocess.Popen(
        [python, str(HERE / "fanout_server.py"), json.dumps(options), str(port), args.redis_url],
        stdout=subprocess.PIPE,
        text=True,
    )
    driver = socketio.AsyncClient(reconnection=False)
    try:
        info = json.loads(await asyncio.get_running_loop().run_in_executor(None, server.stdout.readline))  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                await asyncio.sleep(0.1)
        shares = [
            args.clients // len(procs.pipes) + (i < args.clients % len(procs.pipes)) for i in range(len(procs.pipes))
        ]
        failed = sum(await procs.ask_async("connect", [(url, n, args.client_kind) for n in shares]))
        await driver.connect(url, transports=["websocket"], wait_timeout=30)
        members = await driver.call("members", "room")
        if failed or members != args.clients:
            print(f"  {spec}: {failed} connects failed, {members} in the room", flush=True)
        n = members
        await asyncio.sleep(1.0)
        idle0, t0 = cpu_ns(server.pid), time.monotonic()
        await asyncio.sleep(args.idle)
        idle_rate = (cpu_ns(server.pid) - idle0) / (time.monotonic() - t0)  # ns per s

        cpu, calls, starts, lost = [], [], [], 0
        user = system = 0
        clients_cpu = []
        spy: subprocess.Popen[bytes] | None = None
        expected = 0
        for seq in range(args.warmup + args.emits):
            await asyncio.sleep(args.gap)
            expected += n
            if seq == args.warmup and args.profile:
                Path(args.profile).mkdir(parents=True, exist_ok=True)
                name = (spec or "defaults").replace(",", "_").replace("=", "-")
                spy = subprocess.Popen(
                    [
                        args.py_spy,
                        "record",
                        "-p",
                        str(server.pid),
                        "--rate",
                        "1000",
                        "--format",
                        "raw",
                        "--nonblocking",
                        "-o",
                        str(Path(args.profile) / f"{name}.txt"),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                await asyncio.sleep(1.0)
            c0, w0 = cpu_ns(server.pid), time.monotonic()
            u0, s0 = user_sys_ticks(server.pid)
            k0 = sum(cpu_ns(p.pid) for p in procs.procs)
            started, ended = await driver.call("blast", seq, timeout=30)
            deadline = time.monotonic() + args.timeout
            while procs.received() < expected and time.monotonic() < deadline:
                await asyncio.sleep(0.002)
            await asyncio.sleep(0.02)
            c1, w1 = cpu_ns(server.pid), time.monotonic()
            u1, s1 = user_sys_ticks(server.pid)
            k1 = sum(cpu_ns(p.pid) for p in procs.procs)
            if procs.received() < expected:
                lost += expected - procs.received()
                expected = procs.received()
            if seq >= args.warmup:
                cpu.append((c1 - c0 - idle_rate * (w1 - w0)) / 1e6)
                calls.append((ended - started) * 1000)
                user, system = user + u1 - u0, system + s1 - s0
                clients_cpu.append((k1 - k0) / 1e6)
                starts.append(started)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(30)
        full_gcs, full_gc_ms, objects = await driver.call("gc_stats", 0)
        seen: list[dict[int, list[float]]] = await procs.ask_async("seen")
        spreads, tails = [], []
        for seq, started in zip(range(args.warmup, args.warmup + args.emits), starts, strict=True):
            entries = [s[seq] for s in seen if seq in s]
            first = min(e[0] for e in entries)
            last = max(e[1] for e in entries)
            spreads.append((last - first) * 1000)
            tails.append((last - started) * 1000)
        cpu_ms = statistics.median(cpu)
        result = {
            "variant": spec or "defaults",
            **{k: info[k] for k in ("python", "loop", "ws_protocol", "task_factory", "manager", "poll")},
            "clients": n,
            "cpu_ms_per_emit": round(cpu_ms, 1),
            "cpu_us_per_socket": round(cpu_ms * 1000 / n, 1),
            "cpu_ms_min_max": [round(min(cpu), 1), round(max(cpu), 1)],
            "sys_share": round(system / max(1, user + system), 2),
            "clients_cpu_ms_per_emit": round(statistics.median(clients_cpu), 1),
            "full_gcs": full_gcs,
            "full_gc_ms": round(full_gc_ms, 1),
            "gc_objects": objects,
            "idle_cpu_ms_per_s": round(idle_rate / 1e6, 2),
            "emit_call_ms": round(statistics.median(calls), 1),
            "spread_ms": round(statistics.median(spreads), 1),
            "spread_p90_ms": round(quantile(spreads, 0.9), 1),
            "tail_ms": round(statistics.median(tails), 1),
            "tail_p90_ms": round(quantile(tails, 0.9), 1),
            "lost": lost,
        }
        return result
    finally:
        with contextlib.suppress(Exception):
            await driver.disconnect()
        await procs.ask_async("disconnect")
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def drive(args: argparse.Namespace) -> None:
    specs = (MATRIX if args.matrix else []) + (args.variant or [])
    procs = ClientProcs(args.client_procs)
    results = []
    try:
        for spec in specs or [""]:
            result = await measure(spec, args, procs)
            if result:
                results.append(result)
                print(json.dumps(result), flush=True)
    finally:
        procs.close()
    print()
    print(
        f"{'variant':<40} {'server':<42} {'CPU ms/emit':>11} {'µs/socket':>9} {'call ms':>8} "
        f"{'sys':>4} {'spread ms':>9} {'p90':>6} {'tail ms':>8} {'p90':>6} {'clients ms':>10} {'lost':>5}"
    )
    for r in results:
        server = f"{r['python']} {r['loop'].split('.')[0]} {r['ws_protocol'].rsplit('.', 2)[-2].replace('_impl', '')}"
        print(
            f"{r['variant']:<40} {server:<42} {r['cpu_ms_per_emit']:>11} {r['cpu_us_per_socket']:>9} "
            f"{r['emit_call_ms']:>8} {r['sys_share']:>4} {r['spread_ms']:>9} {r['spread_p90_ms']:>6} {r['tail_ms']:>8} "
            f"{r['tail_p90_ms']:>6} {r['clients_cpu_ms_per_emit']:>10} {r['lost']:>5}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--emits", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between emits")
    parser.add_argument("--idle", type=float, default=2.0, help="seconds of idle CPU measured before")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for all receipts of one emit")
    parser.add_argument(
        "--client-kind",
        choices=["socketio", "raw"],
        default="socketio",
        help="python-socketio AsyncClients, or minimal clients on bare asyncio protocols",
    )
    parser.add_argument("--variant", action="append", help="e.g. py=3.12,ws=wsproto,loop=asyncio,mgr=fast,eager=1")
    parser.add_argument("--matrix", action="store_true", help="run the variants of MATRIX (then those of --variant)")
    parser.add_argument("--python", action="append", default=[], help="VER=PATH of a server interpreter")
    parser.add_argument(
        "--profile", help="folder for py-spy's collapsed stacks of the measured emits (slows the server)"
    )
    parser.add_argument("--py-spy", default="/tmp/fanout-venv3.12/bin/py-spy")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    for item in args.python:
        version, _, path = item.partition("=")
        PYTHONS[version] = path
    asyncio.run(drive(args))


if __name__ == "__main__":
    main()
