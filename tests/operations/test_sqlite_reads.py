"""Reads on SQLite run in place (app.sqlite_inline): still a snapshot each, and an error leaves the pool usable."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db import Database


@pytest.fixture
async def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'portal.sqlite3'}")
    async with db.transaction() as session:
        await session.execute(text("CREATE TABLE figures (value INTEGER)"))
        await session.execute(text("INSERT INTO figures VALUES (1)"))
    yield db
    await db.dispose()


async def _count(session: object) -> int:
    return int(await session.scalar(text("SELECT count(*) FROM figures")))  # type: ignore[attr-defined]


async def test_a_read_keeps_its_snapshot_while_a_submission_commits_and_the_next_read_sees_it(
    database: Database,
) -> None:
    async with database.read() as page:
        assert await _count(page) == 1
        async with database.transaction() as submission:  # not held up by the open read (WAL)
            await submission.execute(text("INSERT INTO figures VALUES (2)"))
        assert await _count(page) == 1  # one page shows one state of the data
    async with database.read() as next_page:
        assert await _count(next_page) == 2


async def test_a_failing_read_raises_a_database_error_and_the_next_reads_work(database: Database) -> None:
    for _ in range(30):  # more than the pool keeps: every connection went through a failure
        with pytest.raises(OperationalError):
            async with database.read() as session:
                await session.execute(text("SELECT nothing FROM nowhere"))
    async with database.read() as session:
        assert await _count(session) == 1
