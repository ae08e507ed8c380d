"""Alembic environment: async engines for SQLite (with the portal's pragmas) and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import create_engine_for
from app.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=sqlite,
        # All steps in one transaction: a step that fails leaves the database as it was, not
        # between two revisions (the portal's SQLite connections begin their transactions
        # themselves, so SQLite's DDL is transactional too).
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        before = context.get_context().get_current_heads()
        context.run_migrations()
        if sqlite and context.get_context().get_current_heads() != before:
            _check_references(connection)


def _check_references(connection: Connection) -> None:
    """With the references unchecked while tables were copied, check them all before committing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({f"{row[0]} -> {row[2]}" for row in broken})
        raise RuntimeError(
            f"Migration abgebrochen, nichts geändert: {len(broken)} Verweise ins Leere ({', '.join(tables[:5])})"
        )


def _references_unchecked(engine: AsyncEngine) -> None:
    """SQLite: batch mode drops and re-creates tables that others refer to, which checked references
    forbid; the pragma only takes effect outside a transaction, so it is set on connecting."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()


async def run_migrations_online() -> None:
    engine = create_engine_for(config.get_main_option("sqlalchemy.url") or "")
    if engine.dialect.name == "sqlite":
        _references_unchecked(engine)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
