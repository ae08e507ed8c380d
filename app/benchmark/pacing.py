"""When a group's release check runs: one at a time per group, and under load at most once per interval.

Under load means requests queue in this process (`Backlog`): then a 1,000-partner group
re-released and fanned out to 1,000 dashboards per submission would take the time the queue
needs, and the interval bounds it. Without load a release goes out as soon as it is due.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class Later:
    """The group was released less than the interval ago (by any worker): check again then."""

    seconds: float


# A release check: None when done, or the seconds after which it must run again (another worker
# released the group moments ago; the submissions it did not include still need a release).
Check = Callable[[], Awaitable[float | None]]


class Backlog:
    """HTTP requests in flight in this process, and whether it has been busy lately.

    Busy: at least `busy_from` requests at once now, or within the last `calm_after` seconds
    (a queue comes and goes between requests; the interval should not). Counted by
    `count_requests`, read by `CoalescedReleases`.
    """

    def __init__(self, busy_from: int = 3, calm_after: float = 2.0) -> None:
        self.busy_from, self.calm_after = busy_from, calm_after
        self.in_flight = 0
        self._busy_until = -math.inf

    def enter(self) -> None:
        self.in_flight += 1
        if self.in_flight >= self.busy_from:
            self._busy_until = time.monotonic() + self.calm_after

    def leave(self) -> None:
        self.in_flight -= 1

    def busy(self) -> bool:
        return self.in_flight >= self.busy_from or time.monotonic() < self._busy_until


def count_requests(backlog: Backlog) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware: every HTTP request counts in `backlog` while it is served."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            backlog.enter()
            try:
                await app(scope, receive, send)
            finally:
                backlog.leave()

        return middleware

    return wrap


class CoalescedReleases:
    """At most one release check per group and month at a time in this process, and at most
    one start per `interval` seconds while `busy()` (else none).

    A submission arriving while its group's check runs (or waits) does not queue a check of
    its own: it asks for one more run, which covers every submission that arrived meanwhile.
    The request that finds the group idle runs the check itself and answers when it is done,
    so without load its figures are released by then. The runs asked for meanwhile happen in
    the background, each `interval` after the last start: a 1,000-partner group under load
    is released (and fanned out to 1,000 dashboards) once per interval, not per submission.
    A check may ask to run again later (`Check`); with several workers, the release row's
    time spaces the releases of all of them (`app.benchmark.live`).
    """

    def __init__(self, interval: float = 0.0, busy: Callable[[], bool] = lambda: True) -> None:
        self.interval = interval
        self.busy = busy
        # Present while the key's check runs or waits: whether anyone asked since it started.
        self._again: dict[tuple[int, date], bool] = {}
        self._started: dict[tuple[int, date], float] = {}  # key -> monotonic start of its last check
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, key: tuple[int, date], check: Check) -> None:
        if key in self._again:
            self._again[key] = True
            return
        self._again[key] = True
        wait = self._wait(key)
        if wait > 0:
            self._later(key, check, wait)
            return
        await self._check(key, check)

    def spacing(self) -> float:
        """The seconds between two starts of a group's check now: the interval under load, else none."""
        return self.interval if self.busy() else 0.0

    def _wait(self, key: tuple[int, date]) -> float:
        return self._started.get(key, -math.inf) + self.spacing() - time.monotonic()

    async def _check(self, key: tuple[int, date], check: Check) -> None:
        self._again[key] = False  # whoever asked so far is covered by this check
        self._started[key] = time.monotonic()
        retry: float | None = None
        try:
            retry = await check()
        finally:
            if self._again.pop(key) or retry is not None:
                self._again[key] = True
                self._later(key, check, max(self._wait(key), retry or 0.0))
            else:
                self._forget_old()

    def _later(self, key: tuple[int, date], check: Check, wait: float) -> None:
        async def later() -> None:
            await asyncio.sleep(max(0.0, wait))
            await self._check(key, check)

        task = asyncio.create_task(later())
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)

    def _forget_old(self) -> None:
        if len(self._started) > 1024:
            now = time.monotonic()
            for key in [k for k, at in self._started.items() if at + self.interval < now and k not in self._again]:
                del self._started[key]

    async def idle(self) -> None:
        """Wait until no check runs or waits in the background."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Drop the checks still waiting (shutdown): the figures are stored, and the next
        submission or page view of the group finds its release due and makes it."""
        for task in self._tasks:
            task.cancel()
        await self.idle()
