"""PostgreSQL and Redis for tests: from PORTAL_TEST_POSTGRES_URL / PORTAL_TEST_REDIS_URL.

Without them the tests skip and say why; with PORTAL_REQUIRE_SERVICES=1 (CI) they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

REQUIRED = os.environ.get("PORTAL_REQUIRE_SERVICES") == "1"


def unavailable(what: str) -> None:
    message = f"{what} nicht verfügbar"
    if REQUIRED:
        pytest.fail(message + " (PORTAL_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    import asyncpg

    base = os.environ.get("PORTAL_TEST_POSTGRES_URL")
    if not base:
        unavailable("PostgreSQL: PORTAL_TEST_POSTGRES_URL ist nicht gesetzt, daher")
    url = make_url(base)
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(admin_dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable(f"PostgreSQL unter {url.host}:{url.port} ({exc}):")
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def redis_url_or_skip() -> str:
    import redis.asyncio as redis

    url = os.environ.get("PORTAL_TEST_REDIS_URL")
    if not url:
        unavailable("Redis: PORTAL_TEST_REDIS_URL ist nicht gesetzt, daher")
    client = redis.from_url(url)
    try:
        await client.ping()
    except (OSError, redis.RedisError) as exc:
        unavailable(f"Redis unter {url} ({exc}):")
    finally:
        await client.aclose()
    return url
