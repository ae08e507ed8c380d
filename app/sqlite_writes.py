"""SQLite's hot writes (a submission, a release, a chat message), run in place on the event loop's thread.

A submission's write transaction takes about 5 ms of CPU. Through aiosqlite each of its
statements was three or four thread hops; in a writer thread of its own it still took 13-20 ms
at the median and over 100 ms at p95 under load, because each statement hands the GIL back and
waits up to the switch interval (5 ms) to get it again while the loop's thread computes, and
SQLite's one write turn stays taken meanwhile: at 20 submissions a second the queue for the
turn was most of a submission's answer time. In place the write holds the event loop for its
few milliseconds and nothing waits for it.

In place, SQLite's busy timeout is zero: when another process (a second worker, a `portal`
command) holds SQLite's write lock, BEGIN IMMEDIATE fails at once and the write goes to a
writer thread, which waits in SQLite's busy handler without stopping the event loop.
The caller holds the process's write turn (`Database._turn_to_write`) around both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


class TakenElsewhere(Exception):
    """Another process holds SQLite's write lock."""


class SqliteWrites:
    def __init__(self, make_engine: Callable[[float], Engine], busy_timeout: float) -> None:
        """`make_engine(busy_timeout)`: a synchronous engine of the database with that busy timeout."""
        self._make_engine, self._busy_timeout = make_engine, busy_timeout
        self._in_place: tuple[Engine, sessionmaker[Session]] | None = None
        self._elsewhere: tuple[ThreadPoolExecutor, Engine, sessionmaker[Session]] | None = None

    async def write(self, work: Callable[[Session], T]) -> T:
        try:
            return self.in_place(work)
        except TakenElsewhere:
            return await self.in_thread(work)

    def in_place(self, work: Callable[[Session], T]) -> T:
        if self._in_place is None:
            engine = self._make_engine(0)
            self._in_place = engine, sessionmaker(engine, expire_on_commit=False)
        _, sessions = self._in_place
        with sessions() as session:
            try:
                session.connection()  # BEGIN IMMEDIATE: the write lock, or "database is locked" at once
            except OperationalError as exc:
                if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                    raise TakenElsewhere from exc
                raise
            result = work(session)
            session.commit()
            return result

    async def in_thread(self, work: Callable[[Session], T]) -> T:
        if self._elsewhere is None:
            engine = self._make_engine(self._busy_timeout)
            writer = ThreadPoolExecutor(1, "sqlite-writer")
            self._elsewhere = writer, engine, sessionmaker(engine, expire_on_commit=False)
        thread, _, sessions = self._elsewhere

        def run() -> T:
            with sessions() as session, session.begin():
                return work(session)

        return await asyncio.get_running_loop().run_in_executor(thread, run)

    async def dispose(self) -> None:
        if self._in_place is not None:
            self._in_place[0].dispose()
            self._in_place = None
        if self._elsewhere is not None:
            thread, engine, _ = self._elsewhere
            await asyncio.get_running_loop().run_in_executor(thread, engine.dispose)
            thread.shutdown()
            self._elsewhere = None
