"""Migrations run up and down on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from app.db import create_engine_for
from app.migrate import downgrade, upgrade
from app.models import Base
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
