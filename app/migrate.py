"""Alembic, driven from code: `portal db upgrade` and the migration tests use these."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.db import create_engine_for

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations. Synchronous: Alembic runs its own event loop in migrations/env.py."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revisions() -> set[str]:
    """The newest migration(s) this code knows."""
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def schema_is_current(database_url: str) -> bool:
    """Whether the database stands at the newest migration (False for an empty one)."""
    heads = head_revisions()

    async def current() -> set[str]:
        engine = create_engine_for(database_url)
        try:
            async with engine.connect() as connection:
                return set(await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_heads()))
        finally:
            await engine.dispose()

    return asyncio.run(current()) == heads
