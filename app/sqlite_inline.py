"""SQLite reads without a thread hop per call: an aiosqlite-shaped connection that runs at once.

SQLAlchemy's asyncio dialect for SQLite drives aiosqlite, which runs every call (cursor,
execute, fetch, close, begin, rollback) in the connection's own thread and hands the result
back through the event loop: a read session with one query costs about 1.8 ms of CPU, of
which the query is a tenth (measured on the 1,000-partner demo), and a submission opens
several such sessions. Under load each hop also waits for the busy event loop.

This connection offers the awaitables SQLAlchemy's aiosqlite dialect calls, but each does
its work before it is awaited, in the caller's thread: the greenlet bridge then continues
without the event loop. Meant for the read engine only: a read under WAL does not wait for
writers (a short busy timeout covers a checkpoint), so it never blocks the event loop on a
lock, while a write could wait for another process's write lock for seconds; writes keep
aiosqlite and the writer thread (app.db).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

READ_BUSY_TIMEOUT_S = 5.0


class InlineCursor:
    """aiosqlite's Cursor, run in place."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _Done:
    """Stands in for aiosqlite's queue of calls to its thread: runs each call at once."""

    def put_nowait(self, item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class InlineConnection:
    """aiosqlite's Connection as far as SQLAlchemy's aiosqlite dialect uses it, run in place."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._tx = _Done()  # the dialect sets isolation_level through it

    @property
    def _connection(self) -> sqlite3.Connection | None:  # the dialect asks whether it is still open
        return self._conn if self._open else None

    _open = True

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, name: str, num_params: int, func: Callable[..., Any], **kw: Any) -> None:
        self._conn.create_function(name, num_params, func, **kw)

    async def close(self) -> None:
        if self._open:
            self._open = False
            self._conn.close()

    def stop(self) -> None:
        if self._open:
            self._open = False
            self._conn.close()


def inline_connector(path: str) -> Callable[[], Any]:
    """`async_creator` for `create_async_engine("sqlite+aiosqlite://...")`: connections to the file at `path`."""

    async def connect() -> InlineConnection:
        # check_same_thread=False: the pool may close a connection from another thread at shutdown.
        return InlineConnection(sqlite3.connect(path, timeout=READ_BUSY_TIMEOUT_S, check_same_thread=False))

    return connect
