"""Migrations run up and down on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, select

from app.benchmark.data import load_engine
from app.benchmark.service import current_release
from app.db import Database, create_engine_for
from app.figures.service import store_month
from app.migrate import downgrade, upgrade
from app.models import Base, GroupRelease, ReleaseContribution
from app.network.groups import groups_with_members
from kpi.months import add_months, month_of
from kpi.periods import Span
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


async def _release_rows(url: str) -> tuple[dict[int, object], list[tuple[int, str, int, bytes]]]:
    db = Database(url)
    try:
        async with db.read() as session:
            cells = {r.id: r.cells for r in await session.scalars(select(GroupRelease))}
            rows = (
                await session.execute(
                    select(
                        ReleaseContribution.release_id,
                        ReleaseContribution.key,
                        ReleaseContribution.seq,
                        ReleaseContribution.data,
                    ).order_by(ReleaseContribution.release_id, ReleaseContribution.key, ReleaseContribution.seq)
                )
            ).all()
        return cells, [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        await db.dispose()


async def test_the_values_behind_releases_survive_a_downgrade_and_upgrade(demo_sqlite: str) -> None:
    """Migration 0005 moved them out of the release rows; down and up again keeps every one."""
    month = add_months(month_of(date.today()), -1)
    db = Database(demo_sqlite)
    try:
        async with db.read() as session:
            engine = await load_engine(session)
            group, members = next((g, m) for g, m in await groups_with_members(session) if g.kind == "all")
        for round_ in range(2):
            async with db.transaction() as session:
                for partner in members[round_ * 3 : round_ * 3 + 3]:
                    await store_month(
                        session,
                        partner,
                        month,
                        {"revenue_new": 90_000.0 + partner.id},
                        by_user_id=None,
                        source="api",
                        today=date.today(),
                    )
                assert (await current_release(session, engine, group, members, month, Span.MONTH)).fresh
    finally:
        await db.dispose()
    cells, rows = await _release_rows(demo_sqlite)
    assert len({(release, seq) for release, key, seq, _ in rows if key == "revenue_new"}) == 2

    await asyncio.to_thread(downgrade, demo_sqlite, "0004")
    await asyncio.to_thread(upgrade, demo_sqlite)
    assert await _release_rows(demo_sqlite) == (cells, rows)
