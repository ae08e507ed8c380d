"""The set-ups of bench/load.py: SQLite with one worker (or several with Redis), PostgreSQL + Redis with several.

SQLite: a temp dir with the demo database file (`portal_setup.build_demo`, `--cache FILE`).
PostgreSQL: a fresh database `portal_bench_<pid>_<random>` on the server of `--postgres`,
dropped afterwards; with `--cache FILE` it is a copy (`CREATE DATABASE ... TEMPLATE`) of a kept
database named after the file (`/tmp/portal-demo-1000.sqlite3`: `portal_bench_cache_portal_demo_1000`),
built there on first use, instead of `portal demo-data` every time (about 35 s for 1,000 partners).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from portal_setup import Workspace, build_demo, run_portal, workspace
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


def _admin(server: str, *statements: str) -> list[object]:
    """Run statements outside a transaction against the server's `postgres` database; answers the first column
    of each statement's first row (None where there is none)."""

    async def run() -> list[object]:
        engine = create_async_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        try:
            answers = []
            async with engine.connect() as connection:
                for statement in statements:
                    result = await connection.execute(text(statement))
                    answers.append(result.scalar() if result.returns_rows else None)
            return answers
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _analyze(url: str) -> None:
    """Planner statistics for a database copied from a template built without them (autovacuum may be off)."""

    async def run() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
        finally:
            await engine.dispose()

    asyncio.run(run())


def _exists(server: str, name: str) -> bool:
    return _admin(server, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")[0] == 1


def _demo_template(server: str, root: Path, cache: Path, partners: int, months: int) -> str:
    """The kept demo database to copy from, built now if missing."""
    name = "portal_bench_cache_" + re.sub(r"[^a-z0-9]+", "_", cache.stem.lower()).strip("_")
    if not _exists(server, name):
        building = f"{name}_building"
        _admin(server, f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)', f'CREATE DATABASE "{building}"')
        run_portal(
            Workspace(root, f"{server}/{building}"), "demo-data", "--partners", str(partners), "--months", str(months)
        )
        # Renamed only when complete: an interrupted build is never taken for a cache.
        _admin(server, f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name


@contextmanager
def postgres_database(server: str, template: str | None = None) -> Iterator[str]:
    """A fresh database (a copy of `template` if given), dropped afterwards; yields its URL."""
    name = f"portal_bench_{os.getpid()}_{secrets.token_hex(3)}"
    _admin(server, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield f"{server}/{name}"
    finally:
        _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def prepared(
    backend: str, partners: int, months: int, cache: Path | None, postgres: str, redis: str, keep: bool, workers: int
) -> Iterator[tuple[Workspace, float]]:
    """A workspace with the demo network on the chosen backend; yields it and the seconds its data took.
    Several workers share Redis on either backend (SQLite: one file, every worker writing in turn)."""
    with workspace(keep) as ws:
        if backend == "sqlite":
            build_s = build_demo(ws, partners, months, cache)
            yield (Workspace(ws.root, ws.url, redis) if workers > 1 else ws), build_s
            return
        start = time.monotonic()
        template = _demo_template(postgres, ws.root, cache, partners, months) if cache is not None else None
        with postgres_database(postgres, template) as url:
            pg = Workspace(ws.root, url, redis)
            if template is None:
                run_portal(pg, "demo-data", "--partners", str(partners), "--months", str(months))
            else:
                run_portal(pg, "db", "upgrade")  # the kept copy may predate a migration
                _analyze(url)  # ... or `portal demo-data` gathering statistics
            yield pg, time.monotonic() - start
