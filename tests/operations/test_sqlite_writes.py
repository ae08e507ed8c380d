"""Writes on SQLite (Database.write, app.sqlite_writes): each is its own transaction with its own
answer, none waits without bound, and another process holding the database's write lock does
not stop the portal's event loop."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from app.db import Database


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'portal.sqlite3'}", pool_timeout=0.5)
    async with db.transaction() as session:
        await session.execute(text("CREATE TABLE figures (partner INTEGER PRIMARY KEY, value INTEGER)"))
    yield db
    await db.dispose()


def submit(partner: int, value: int, then_fail: bool = False) -> Callable[[Session], int]:
    def work(session: Session) -> int:
        session.execute(text("INSERT INTO figures VALUES (:p, :v)"), {"p": partner, "v": value})
        if then_fail:
            session.execute(text("INSERT INTO figures VALUES (:p, 0)"), {"p": partner})  # the same key again
        return partner * 1000 + value

    return work


async def stored(database: Database) -> dict[int, int]:
    async with database.read() as session:
        return {p: v for p, v in (await session.execute(text("SELECT partner, value FROM figures"))).all()}


async def test_a_burst_of_writes_each_gets_its_own_answer_and_a_failing_one_stores_nothing(
    database: Database,
) -> None:
    burst = [database.write(submit(p, p % 7, then_fail=(p % 10 == 3))) for p in range(200)]
    answers = await asyncio.gather(*burst, return_exceptions=True)
    for p, answer in enumerate(answers):
        if p % 10 == 3:
            assert isinstance(answer, IntegrityError), (p, answer)
        else:
            assert answer == p * 1000 + p % 7, (p, answer)
    assert await stored(database) == {p: p % 7 for p in range(200) if p % 10 != 3}


async def test_writes_that_find_no_turn_in_time_are_refused_and_store_nothing(database: Database) -> None:
    async with database.transaction() as slow_writer:  # holds SQLite's one write turn
        await slow_writer.execute(text("INSERT INTO figures VALUES (1, 1)"))
        refused = await asyncio.gather(*(database.write(submit(p, 5)) for p in (2, 3)), return_exceptions=True)
    assert [type(r) for r in refused] == [PoolTimeout, PoolTimeout]
    assert await database.write(submit(4, 4)) == 4004  # the turn is free again
    assert await stored(database) == {1: 1, 4: 4}


async def test_a_write_whose_caller_gave_up_before_its_turn_is_not_run(database: Database) -> None:
    async with database.transaction() as slow_writer:
        await slow_writer.execute(text("INSERT INTO figures VALUES (1, 1)"))
        abandoned = asyncio.ensure_future(database.write(submit(2, 2)))
        await asyncio.sleep(0.1)
        abandoned.cancel()
    assert await database.write(submit(3, 3)) == 3003
    assert await stored(database) == {1: 1, 3: 3}


HOLD_THE_WRITE_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO figures VALUES (1, 1)")
print("held", flush=True)
time.sleep(0.6)
db.execute("COMMIT")
"""


async def test_a_write_while_another_process_holds_the_lock_waits_without_stopping_the_portal(
    database: Database, tmp_path: Path
) -> None:
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(tmp_path / "portal.sqlite3"), stdout=asyncio.subprocess.PIPE
    )
    assert other.stdout is not None
    assert await other.stdout.readline() == b"held\n"
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(ticking())
    try:
        assert await database.write(submit(2, 2)) == 2002  # after the other process committed
    finally:
        ticker.cancel()
    assert await other.wait() == 0
    assert ticks >= 10  # the event loop went on meanwhile (frozen, it would not have ticked at all)
    assert await stored(database) == {1: 1, 2: 2}
