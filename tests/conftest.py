"""Shared fixtures: a demo database (built once, copied per test), settings and a running portal."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.demo.builder import build_demo
from app.migrate import upgrade
from app.server import create_app
from app.settings import Settings
from tests.support.hangs import unfinished_tasks
from tests.support.personas import EVERYONE, PASSWORD, Outbox, sign_in_with
from tests.support.processes import portal_env
from tests.support.server import serving
from tests.support.services import fresh_postgres_database, redis_url_or_skip
from tests.support.tokens import token_for

DEMO_PARTNERS, DEMO_MONTHS, DEMO_SEED = 40, 36, 7


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """A test stopped by pytest-timeout also reports the tasks its event loop was waiting on."""
    report = yield
    if call.excinfo is not None and "from pytest-timeout" in str(call.excinfo.value):
        report.sections.append(("unfinished asyncio tasks", unfinished_tasks() or "none"))
    return report


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def fill_demo(
    url: str,
    *,
    partners: int = DEMO_PARTNERS,
    months: int = DEMO_MONTHS,
    seed: int = DEMO_SEED,
    today: date | None = None,
) -> None:
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        async with db.transaction() as session:
            await build_demo(session, partners=partners, months=months, seed=seed, today=today or date.today())
    finally:
        await db.dispose()


async def analyzed_tables(postgres_url: str) -> set[str]:
    """The tables of a PostgreSQL database that ANALYZE has gathered planner statistics for."""
    db = Database(postgres_url)
    try:
        async with db.read() as session:
            rows = await session.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables"
                    " WHERE last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL"
                )
            )
            return {name for (name,) in rows}
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "template.sqlite3"
    asyncio.run(fill_demo(sqlite_url(path)))
    return path


@pytest.fixture
def demo_sqlite(demo_template: Path, tmp_path: Path) -> str:
    """A private copy of the demo network in SQLite."""
    target = tmp_path / "var" / "portal.sqlite3"
    target.parent.mkdir()
    shutil.copy(demo_template, target)
    return sqlite_url(target)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async for url in fresh_postgres_database():
        yield url


@pytest.fixture
async def redis_url() -> str:
    return await redis_url_or_skip()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(database_url: str, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": database_url,
            "var_dir": tmp_path / "var",
            "secret_key": "test-secret-key-" + "x" * 32,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "var" / "sms-outbox.jsonl")


@pytest.fixture
def sign_in(outbox: Outbox) -> Callable[..., Awaitable[httpx.Response]]:
    """`await sign_in(client, "gf1001")`: the whole browser sign-in, code from the SMS outbox."""

    async def run(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
        return await sign_in_with(outbox, client, username, password)

    return run


@pytest.fixture
def portal_with(demo_sqlite: str, make_settings: Callable[..., Settings]) -> Callable[..., Any]:
    """`async with portal_with(code_ttl_seconds=1) as base:` the demo portal with other settings."""

    def start(**overrides: object) -> Any:
        return serving(create_app(make_settings(demo_sqlite, **overrides)))

    return start


@pytest.fixture
async def portal(demo_sqlite: str, make_settings: Callable[..., Settings]) -> AsyncIterator[str]:
    """The demo portal on SQLite, served on a free port; yields its base URL."""
    async with serving(create_app(make_settings(demo_sqlite))) as base:
        yield base


@pytest.fixture
async def scale_out_env(postgres_url: str, redis_url: str, tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """`portal serve`'s environment: the demo network on a fresh PostgreSQL database, and Redis on
    a channel of this test's own."""
    await fill_demo(postgres_url)
    yield portal_env(
        tmp_path / "var",
        postgres_url,
        PORTAL_REDIS_URL=redis_url,
        PORTAL_REDIS_CHANNEL=f"portal-test-{uuid.uuid4().hex}",
    )


@pytest.fixture
async def api(portal: str, demo_sqlite: str) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """An API client with a personal token for every demo user, by username."""
    clients = {}
    for username in EVERYONE:
        token = await token_for(demo_sqlite, username)
        clients[username] = httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"})
    yield clients
    for client in clients.values():
        await client.aclose()
