"""Many python-socketio clients in separate processes, commanded over pipes (shared by the benchmarks).

A benchmark subclasses `ClientProcess` with what its clients listen for (`listen`) and the
commands it answers (methods named like the command), and drives the processes through a
`ClientPool`. The clients live outside the measuring process so that their event handling
does not delay its clock; times are CLOCK_MONOTONIC, shared by all processes of the machine.

Every client connects with the websocket transport only (`auth={"token": ...}`): with several
workers, long-polling would need sticky sessions (shared/PITFALLS.md 11). `lean=True` makes
them `lean_client.LeanClient`s instead of python-socketio's (a fifth of the client CPU; no
reconnects): event handlers must then be plain functions, which python-socketio takes too.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import socketio
from lean_client import LeanClient

CONNECTS_IN_FLIGHT = 20  # connects in flight per client process


class ClientProcess:
    """Runs in a child process: `connect` and `stop`, and every other command by a method of that name."""

    lean = False  # LeanClient instead of socketio.AsyncClient (set by ClientPool)

    def __init__(self, url: str) -> None:
        self.url = url
        self.clients: list[socketio.AsyncClient | LeanClient] = []
        self.drops = 0  # disconnects seen (the clients reconnect by themselves, as browsers do)
        self._created = 0

    def listen(self, client: socketio.AsyncClient | LeanClient, index: int) -> None:
        """Register the event handlers of a new client (before it connects, so that nothing is missed)."""

    async def connect(self, tokens: list[str]) -> list[tuple[int, str]]:
        """Connect one client per token; answers (position in `tokens`, error) of those that could not connect."""
        limit = asyncio.Semaphore(CONNECTS_IN_FLIGHT)
        errors: list[tuple[int, str]] = []

        async def one(position: int, token: str) -> None:
            client = LeanClient() if self.lean else socketio.AsyncClient()
            self.listen(client, self._created + position)
            client.on("disconnect", self._dropped)
            async with limit:
                try:
                    await client.connect(self.url, auth={"token": token}, transports=["websocket"], wait_timeout=60)
                except Exception as exc:
                    errors.append((position, repr(exc)))
                    return
            self.clients.append(client)

        await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens)))
        self._created += len(tokens)
        return sorted(errors)

    def connected(self) -> int:
        return sum(1 for c in self.clients if c.connected)

    def _dropped(self, *_reason: Any) -> None:
        self.drops += 1

    async def serve(self, conn: Connection) -> None:
        loop = asyncio.get_running_loop()
        while True:
            command, argument = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)
                conn.send(None)
                return
            answer = getattr(self, command)(argument)
            conn.send(await answer if inspect.isawaitable(answer) else answer)


def quiet_engineio() -> None:
    """No error line from engineio for each dropped socket: the benchmarks count drops, and a large run's
    lines would bury the output."""
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)


def _run(conn: Connection, kind: Callable[..., ClientProcess], arguments: tuple[Any, ...], lean: bool) -> None:
    quiet_engineio()
    process = kind(*arguments)
    process.lean = lean
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(process.serve(conn))


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where installed, the loop the server runs on: the clients stand for browsers
    on other machines, and the less of the shared cores they take, the less they hold up the server."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


class Piped:
    """Child processes, each at the other end of one of `pipes`, answering commands in turn."""

    pipes: list[Connection]

    def ask(self, command: str, arguments: list[Any] | None = None) -> list[Any]:
        """Send `command` to every process (with its own argument, or None) and answer their replies in order."""
        for pipe, argument in zip(self.pipes, arguments or [None] * len(self.pipes), strict=True):
            pipe.send((command, argument))
        return [pipe.recv() for pipe in self.pipes]

    async def ask_async(self, command: str, arguments: list[Any] | None = None) -> list[Any]:
        """`ask` without blocking the caller's event loop (its own sockets keep answering)."""
        return await asyncio.get_running_loop().run_in_executor(None, self.ask, command, arguments)


class ClientPool(Piped):
    """Processes of one `ClientProcess` kind; each command goes to every process and collects their answers.

    `kind` must be importable by a spawned child: a module-level class (of the benchmark's
    `__main__` too, which the child re-imports).
    """

    def __init__(
        self, kind: Callable[..., ClientProcess], arguments: tuple[Any, ...], processes: int, lean: bool = False
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        for _ in range(processes):
            ours, theirs = context.Pipe()
            process = context.Process(target=_run, args=(theirs, kind, arguments, lean), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    def shares(self, tokens: list[str]) -> list[list[str]]:
        """Tokens dealt round-robin: process i gets tokens[i], tokens[i + n], ..."""
        return [tokens[i :: len(self.pipes)] for i in range(len(self.pipes))]

    def connect(self, tokens: list[str]) -> list[tuple[int, str]]:
        """Add clients (round-robin over the processes); answers (position in `tokens`, error) of failures."""
        n = len(self.pipes)
        answers = self.ask("connect", self.shares(tokens))
        return sorted((i + position * n, error) for i, errors in enumerate(answers) for position, error in errors)

    async def connect_async(self, tokens: list[str]) -> list[tuple[int, str]]:
        return await asyncio.get_running_loop().run_in_executor(None, self.connect, tokens)

    def close(self) -> None:
        self.ask("stop")
        for process in self.processes:
            process.join(timeout=10)


async def wait_until_quiet(pools: list[ClientPool], longest: float, quiet: float = 5.0) -> str:
    """Wait until no socket received anything for `quiet` seconds, at most `longest`; answers how it went.

    The processes' kind must answer `received`: how many events its clients have had so far.
    """
    start = last_change = time.monotonic()
    seen = -1
    while time.monotonic() - start < longest:
        total = 0
        for pool in pools:
            total += sum(await pool.ask_async("received"))
        if total != seen:
            seen, last_change = total, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            return f"quiet after {time.monotonic() - start:.1f} s"
        await asyncio.sleep(0.5)
    return f"still receiving after {longest:.0f} s: later events count as lost"


def percentiles(seconds: list[float]) -> str:
    """p50, p95 and p99 in milliseconds of times given in seconds."""
    if not seconds:
        return "–"
    p50, p95, p99 = np.percentile(np.array(seconds) * 1000, [50, 95, 99])
    return f"p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms  (n={len(seconds)})"


def p99_ms(seconds: list[float]) -> float:
    return float(np.percentile(np.array(seconds) * 1000, 99)) if seconds else float("inf")
