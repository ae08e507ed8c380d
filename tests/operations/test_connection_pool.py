"""A busy worker keeps its PostgreSQL connections instead of opening new ones for each burst."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from app.db import POSTGRES_KEPT, Database

pytestmark = pytest.mark.postgres


async def _sessions_opened(database: Database) -> int:
    """Connections ever opened to this database (PostgreSQL counts them)."""
    async with database.read() as session:
        opened = await session.scalar(text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()"))
    assert opened is not None
    return int(opened)


async def test_bursts_of_concurrent_requests_reuse_the_kept_connections(postgres_url: str) -> None:
    database = Database(postgres_url)
    observer = Database(postgres_url)  # its own connection, counted once

    async def request() -> None:
        async with database.read() as session:
            await session.execute(text("SELECT pg_sleep(0.05)"))

    try:
        await asyncio.gather(*(request() for _ in range(POSTGRES_KEPT)))  # the first burst opens them
        before = await _sessions_opened(observer)
        for _ in range(3):
            await asyncio.gather(*(request() for _ in range(POSTGRES_KEPT)))
        # The statistics are written when a backend's transaction ends; the observer's next read sees them.
        await asyncio.sleep(0.6)
        assert await _sessions_opened(observer) == before
    finally:
        await database.dispose()
        await observer.dispose()
