"""SQLite's hot writes (a submission, a release), run one after another in the writer thread.

Each write used to take SQLite's write turn on its own: wait for the asyncio lock, hand the
work to the thread, and give the turn back only when the event loop had seen the thread's
answer. Under load the loop is busy for tens of milliseconds at a time, so every write held
the turn for two of those waits more than it wrote, and at 20 submissions a second the queue
before the turn (p99 240 ms) was most of a submission's answer time. Now the writes queue
here: whoever finds no writer running takes the turn once, and the thread runs every queued
write, and those arriving meanwhile, before it gives the turn back. Each write is still its
own transaction, and each caller gets its own result or exception.

A write that waited longer than `max_wait` is not run but fails with `PoolTimeout`, as a
write that found no turn within the pool's wait did before: nothing of it is stored.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

T = TypeVar("T")
Work = Callable[[Session], Any]


class WriteQueue:
    def __init__(
        self,
        executor: Callable[[], Executor],
        run: Callable[[Work], Any],
        turn: Callable[[], AbstractAsyncContextManager[None]],
        max_wait: float,
    ) -> None:
        self._executor, self._run, self._turn, self._max_wait = executor, run, turn, max_wait
        self._queued: deque[tuple[Work, asyncio.Future[Any], float]] = deque()
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a transaction of its own in the writer thread; its result or exception."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued.append((work, done, time.monotonic()))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all())
        return await done

    async def idle(self) -> None:
        """Wait until every queued write is done."""
        while self._writer is not None:
            await asyncio.shield(self._writer)

    async def _write_all(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with self._turn():
                # Writes queued while the thread was on its way back are taken in the next round.
                while self._queued:
                    await loop.run_in_executor(self._executor(), self._write_queued, loop)
        except PoolTimeout as exc:
            self._fail_queued(exc)
        finally:
            self._writer = None
            self._fail_queued(PoolTimeout("the writer stopped"))  # cancelled (shutdown): nobody waits forever

    def _fail_queued(self, exc: Exception) -> None:
        while self._queued:
            _settle(self._queued.popleft()[1], exc, failed=True)

    def _write_queued(self, loop: asyncio.AbstractEventLoop) -> None:
        """In the writer thread: every queued write, including those queued while it runs."""
        while self._queued:
            work, done, since = self._queued.popleft()
            if done.cancelled():  # its caller is gone and was told nothing: nothing to do
                continue
            waited = time.monotonic() - since
            if waited > self._max_wait:
                outcome: Any = PoolTimeout(f"no turn to write within {self._max_wait} s (waited {waited:.1f} s)")
                failed = True
            else:
                try:
                    outcome, failed = self._run(work), False
                except Exception as exc:  # the caller's to handle, as if it had run the work itself
                    outcome, failed = exc, True
            loop.call_soon_threadsafe(_settle, done, outcome, failed)


def _settle(done: asyncio.Future[Any], outcome: Any, failed: bool) -> None:
    if done.done():  # cancelled meanwhile
        return
    if failed:
        done.set_exception(outcome)
    else:
        done.set_result(outcome)
