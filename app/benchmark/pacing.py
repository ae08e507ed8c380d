"""When release checks run: one at a time per group, and all of a process's together within a share of its time.

A release of a 1,000-partner group (computed, written, fanned out to 1,000 dashboards)
costs a hundred times a submission. Released per submission at 20 submissions a second,
the releases would take the whole event loop and the submissions would queue behind them.
The gate gives the releases at most a share of the time instead: when they are cheap
(few groups due, small groups, little load) each goes out at once; when they are not,
due groups wait for their turn and each collects the submissions that arrive meanwhile
into its one release.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import date
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Later:
    """Check the group again after this many seconds (another worker released it meanwhile)."""

    seconds: float


# A release check: None when done, the seconds after which it must run again, or what to do
# once its turn at the gate is over (send the release: the gate paces computing, not sending).
Check = Callable[[], Awaitable[float | Coroutine[Any, Any, None] | None]]


class ReleaseGate:
    """The release checks of a process take turns, first come first served, and together take
    at most `share` of its time: after a check that took t seconds, the next starts
    t * (1 - share) / share seconds later (share 1: right after it)."""

    def __init__(self, share: float = 0.5) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], not {share}")
        self.share = share
        self._turn = asyncio.Lock()
        self._next_at = -math.inf

    def free(self) -> bool:
        """A check could start now, without waiting."""
        return not self._turn.locked() and time.monotonic() >= self._next_at

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self._turn:
            rest = self._next_at - time.monotonic()
            if rest > 0:
                await asyncio.sleep(rest)
            start = time.monotonic()
            try:
                yield
            finally:
                end = time.monotonic()
                self._next_at = end + (end - start) * (1 - self.share) / self.share


class CoalescedReleases:
    """At most one release check per group and month at a time in this process, through the gate.

    A submission arriving while its group's check runs or waits does not queue a check of
    its own: it asks for one more run, which covers every submission that arrived meanwhile.
    The request that finds the group idle, the gate free and no check waiting in the background
    runs the check itself and answers when it and its release are done, so without load its
    figures are released by then; otherwise the check runs in the background when its turn
    comes. A check may ask to run again later, or hand back the sending of its release, which
    then happens after its turn (`Check`).
    """

    def __init__(self, gate: ReleaseGate | None = None) -> None:
        self.gate = gate or ReleaseGate()
        # Present while the key's check runs or waits: whether anyone asked since it started.
        self._again: dict[tuple[int, date], bool] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    async def run(self, key: tuple[int, date], check: Check) -> None:
        if key in self._again:
            self._again[key] = True
            return
        self._again[key] = True
        # Not before checks due in the background: a request would pass them again and again
        # (after a check and its release are sent, the gate is often free again).
        if self.gate.free() and not self._tasks:
            await self._check(key, check)
        else:
            self._later(key, check, 0.0)

    async def _check(self, key: tuple[int, date], check: Check) -> None:
        retry: float | None = None
        try:
            async with self.gate.turn():
                self._again[key] = False  # whoever asked so far is covered by this check
                outcome = await check()
            if isinstance(outcome, float | int):
                retry = outcome
            elif outcome is not None:
                await outcome
        finally:
            if (self._again.pop(key) or retry is not None) and not self._closing:
                self._again[key] = True
                self._later(key, check, retry or 0.0)

    def _later(self, key: tuple[int, date], check: Check, wait: float) -> None:
        async def later() -> None:
            await asyncio.sleep(wait)
            await self._check(key, check)

        self.soon(later())

    def soon(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background (in the order asked), waited for by `idle` and dropped by `close`."""
        task = asyncio.create_task(work)
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)

    async def idle(self) -> None:
        """Wait until no check runs or waits in the background."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Drop the checks still waiting (shutdown): the figures are stored, and the next
        submission or page view of the group finds its release due and makes it."""
        self._closing = True
        for task in self._tasks:
            task.cancel()
        await self.idle()


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("release work in the background failed", exc_info=task.exception())
