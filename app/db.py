"""Engines and sessions. Every write goes through `Database.transaction()`.

SQLite silently loses concurrent read-then-write updates with the driver's default
transaction handling (shared/PITFALLS.md 8). We take over transaction control
(`isolation_level = None`) and open every write transaction with `BEGIN IMMEDIATE`,
so writers queue on SQLite's lock (busy timeout) instead of overwriting each other.
Reads get their own engine with a deferred `BEGIN`, so pages never wait for a writer
under WAL. The hot write paths (a submission, a release) hand synchronous ORM code to
`Database.write()`, which on SQLite runs it in place, in one go (see there).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from app.sqlite_inline import inline_connector
from app.sqlite_writes import SqliteWrites

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_S = 30

# A lost or refused connection to the database (asyncpg raises OSError while connecting).
UNREACHABLE = (OperationalError, InterfaceError, DisconnectionError, OSError)
UNREACHABLE_MESSAGE = (
    "Die Datenbank ist gerade nicht erreichbar. Es wurde nichts gespeichert; "
    "bitte versuchen Sie es in einer Minute erneut."
)
# Overload: every connection of the pool stayed taken for POOL_TIMEOUT_S. Failing then, with a
# clear answer, is the back-pressure: queueing longer only makes every later request later.
# In `session.info` of sessions from Database.read(): what they read may be reused within them.
READ_ONLY = "portal_read_only"
POOL_TIMEOUT_S = 10
BUSY = (PoolTimeout,)
BUSY_MESSAGE = (
    "Das Portal ist gerade ausgelastet. Es wurde nichts gespeichert; bitte versuchen Sie es gleich noch einmal."
)
# Everything that means: the database cannot serve this request now (nothing of it was stored).
CANNOT_SERVE = UNREACHABLE + BUSY


def cannot_serve_message(exc: BaseException) -> str:
    """What to tell the user when the database cannot serve: overloaded, or not reachable."""
    return BUSY_MESSAGE if isinstance(exc, BUSY) else UNREACHABLE_MESSAGE


# Readers on SQLite (WAL) do not block each other: enough kept connections for a busy worker's
# concurrent requests. Connections beyond the kept ones are closed when returned, and a new one
# costs a thread, the pragmas and a cold page cache.
SQLITE_READERS = 20


# PostgreSQL connections a worker keeps, and how many more it opens for a moment. A connection
# beyond the kept ones is closed when returned, and a new one costs a server process, the
# authentication and asyncpg's type set-up: with SQLAlchemy's default of 5 kept, two busy workers
# opened 667 connections in a minute and answered submissions in 5-13 s instead of 0.14 s
# (bench/load.py). Each worker may hold up to kept + 5: `max_connections` must cover that x workers.
POSTGRES_KEPT, POSTGRES_OVERFLOW = 15, 5  # kept: PORTAL_DB_POOL_SIZE


def _sqlite_engine(url: str, begin: str, pool_timeout: float) -> AsyncEngine:
    reader = begin == "BEGIN"
    path = make_url(url).database
    engine = create_async_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
        # Reads run in place, without aiosqlite's thread hop per call (app.sqlite_inline).
        **({"async_creator": inline_connector(path)} if reader and path and path != ":memory:" else {}),
        pool_timeout=pool_timeout,
        pool_size=SQLITE_READERS if reader else 2,  # writers take turns (Database.transaction)
        max_overflow=SQLITE_READERS if reader else 8,
    )
    _sqlite_connections(engine.sync_engine, begin)
    return engine


def _sqlite_sync_engine(url: str, busy_timeout: float) -> Engine:
    """One synchronous connection for `Database.write` (app.sqlite_writes)."""
    engine = create_engine(
        make_url(url).set(drivername="sqlite+pysqlite"),
        connect_args={"timeout": busy_timeout},
        pool_size=1,
        max_overflow=0,
    )
    _sqlite_connections(engine, "BEGIN IMMEDIATE")
    return engine


def _sqlite_connections(engine: Engine, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def create_engine_for(
    url: str, *, writer: bool = True, pool_timeout: float = POOL_TIMEOUT_S, pool_size: int = POSTGRES_KEPT
) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(
            url,
            pool_pre_ping=True,
            pool_timeout=pool_timeout,
            pool_size=pool_size,
            max_overflow=POSTGRES_OVERFLOW,
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return _sqlite_engine(url, "BEGIN IMMEDIATE" if writer else "BEGIN", pool_timeout)


class Database:
    def __init__(self, url: str, *, pool_timeout: float = POOL_TIMEOUT_S, pool_size: int = POSTGRES_KEPT) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.writer = create_engine_for(url, writer=True, pool_timeout=pool_timeout, pool_size=pool_size)
        self.reader = create_engine_for(url, writer=False, pool_timeout=pool_timeout) if self.is_sqlite else self.writer
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)
        self.pool_timeout = pool_timeout
        self._reads_in_place = self.is_sqlite and make_url(url).database not in (None, "", ":memory:")
        # SQLite has one writer at a time. Queued here, a writer starts the moment the one before
        # commits; waiting in SQLite's busy handler instead, it sleeps in steps of up to 100 ms
        # (under load most of a submission's time) and holds a pooled connection meanwhile.
        self._writers = asyncio.Lock() if self.is_sqlite else None
        self._sqlite_writes = SqliteWrites(partial(_sqlite_sync_engine, url), SQLITE_BUSY_TIMEOUT_S)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed when the block ends, rolled back on error."""
        if self._writers is None:
            async with self._write_sessions() as session, session.begin():
                yield session
            return
        async with self._turn_to_write(), self._write_sessions() as session, session.begin():
            yield session

    async def write(self, work: Callable[[Session], T]) -> T:
        """Run `work` (synchronous ORM code) in a write transaction and return what it returns.

        On SQLite in place, on a synchronous connection (`app.sqlite_writes`): through aiosqlite
        every statement is three or four thread hops, each waiting for the event loop and the GIL
        (milliseconds apiece under load) while the transaction holds the one write lock; here
        the transaction runs through in one go. On PostgreSQL it runs in the greenlet of
        `AsyncSession.run_sync`, as every statement's round trip is on the network anyway.
        """
        if self._writers is None:
            async with self._write_sessions() as session, session.begin():
                return await session.run_sync(work)
        async with self._turn_to_write():
            return await self._sqlite_writes.write(work)

    @asynccontextmanager
    async def _turn_to_write(self) -> AsyncIterator[None]:
        """SQLite's one write lock, queued for in the process (see __init__)."""
        assert self._writers is not None
        try:
            async with asyncio.timeout(self.pool_timeout):  # no task and no wait when the turn is free
                await self._writers.acquire()
        except TimeoutError as exc:  # as long as the pool would have let it wait: overload
            raise PoolTimeout(f"no turn to write within {self.pool_timeout} s") from exc
        try:
            yield
        finally:
            self._writers.release()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A snapshot for reading (on SQLite without taking the write lock); write through transaction()."""
        if not self._reads_in_place:
            async with self._read_sessions() as session, session.begin():
                session.info[READ_ONLY] = True
                yield session
            return
        # Not `async with session`: SQLAlchemy closes it in a task of its own behind a shield, so
        # that a cancelled caller cannot abandon the close halfway; that is two or three rounds of
        # the event loop, tens of milliseconds each under load, for every read. A read on SQLite
        # runs in place (app.sqlite_inline), its close never waits, and nothing can interrupt it.
        session = self._read_sessions()
        try:
            async with session.begin():
                session.info[READ_ONLY] = True
                yield session
        finally:
            await session.close()

    async def dispose(self) -> None:
        await self._sqlite_writes.dispose()
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
