"""Migrations run up and down on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, select

from app.db import Database, create_engine_for
from app.migrate import downgrade, upgrade
from app.models import Base, Partner
from tests.conftest import sqlite_url

TABLES = set(Base.metadata.tables)


async def _schema(url: str) -> tuple[set[str], list[object]]:
    """The tables present and the differences between database and models."""
    engine = create_engine_for(url)

    def read(connection: Connection) -> tuple[set[str], list[object]]:
        tables = set(inspect(connection).get_table_names())
        diff = (
            compare_metadata(MigrationContext.configure(connection), Base.metadata)
            if tables - {"alembic_version"}
            else []
        )
        return tables, diff

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


async def _round_trip(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    tables, diff = await _schema(url)
    assert tables >= TABLES
    assert diff == [], f"models and migrations differ: {diff}"

    await asyncio.to_thread(downgrade, url, "base")
    tables, _ = await _schema(url)
    assert tables <= {"alembic_version"}

    await asyncio.to_thread(upgrade, url)
    tables, diff = await _schema(url)
    assert tables >= TABLES and diff == []


async def test_migrations_go_up_and_down_on_sqlite(tmp_path: Path) -> None:
    await _round_trip(sqlite_url(tmp_path / "m.sqlite3"))


@pytest.mark.postgres
async def test_migrations_go_up_and_down_on_postgres(postgres_url: str) -> None:
    await _round_trip(postgres_url)


async def _record_keys(url: str) -> dict[int, int]:
    db = Database(url)
    try:
        async with db.read() as session:
            return {number: key for number, key in await session.execute(select(Partner.number, Partner.record_key))}
    finally:
        await db.dispose()


async def test_every_partner_keeps_a_secret_record_key_through_a_downgrade_and_upgrade(demo_sqlite: str) -> None:
    """Migration 0008 gives every partner a random record key; down to 0007 and up again draws new
    ones for partners of a database with figures, and releases are computed, not read back."""
    before = await _record_keys(demo_sqlite)
    assert len(before) == 40 and len(set(before.values())) == 40
    await asyncio.to_thread(downgrade, demo_sqlite, "0007")
    await asyncio.to_thread(upgrade, demo_sqlite)
    after = await _record_keys(demo_sqlite)
    assert sorted(after) == sorted(before) and len(set(after.values())) == 40
    assert all(0 <= key < 2**63 for key in after.values())
