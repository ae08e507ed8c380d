"""Concurrent submissions lose nothing, on SQLite (PITFALLS 8) and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.server import create_app
from app.settings import Settings
from kpi.months import format_month, month_of
from tests.conftest import fill_demo
from tests.support.server import serving
from tests.support.tokens import token_for

MONTH = month_of(date.today())
CONCURRENT = 40


async def _submit_concurrently(database_url: str, settings: Settings) -> None:
    token = await token_for(database_url, "admin")
    async with (
        serving(create_app(settings)) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as api,
    ):
        period = format_month(MONTH)
        different = [
            api.put(f"/api/v1/partners/{1001 + i}/figures/{period}", json={"units_new": i + 1})
            for i in range(CONCURRENT)
        ]
        same = [
            api.put(f"/api/v1/partners/1001/figures/{period}", json={"revenue_new": 1000.0 * (i + 1)})
            for i in range(CONCURRENT)
        ]
        answers = await asyncio.gather(*different, *same)
    assert [a.status_code for a in answers] == [200] * (2 * CONCURRENT), [a.text for a in answers if a.is_error]

    db = Database(database_url)
    try:
        async with db.read() as session:
            stored = (
                await session.execute(
                    text("""
                select p.number, f.value from figures f join partners p on p.id = f.partner_id
                join metrics m on m.id = f.metric_id where m.key = 'units_new' and f.month = :month"""),
                    {"month": MONTH},
                )
            ).all()
            assert sorted((n, v) for n, v in stored) == [(1001 + i, float(i + 1)) for i in range(CONCURRENT)]
            revision = await session.scalar(
                text("""select r.revision from month_reports r join partners p
                on p.id = r.partner_id where p.number = 1001 and r.month = :month"""),
                {"month": MONTH},
            )
            # 40 submissions of its own units plus 40 of its revenue, each counted once.
            assert revision == CONCURRENT + 1
            history = (
                await session.execute(
                    text("""select fr.value from figure_revisions fr
                join figures f on f.id = fr.figure_id join metrics m on m.id = f.metric_id
                join partners p on p.id = f.partner_id
                where p.number = 1001 and m.key = 'revenue_new' and f.month = :month"""),
                    {"month": MONTH},
                )
            ).all()
            current = await session.scalar(
                text("""select f.value from figures f join metrics m
                on m.id = f.metric_id join partners p on p.id = f.partner_id
                where p.number = 1001 and m.key = 'revenue_new' and f.month = :month"""),
                {"month": MONTH},
            )
    finally:
        await db.dispose()
    # Every value but the last one is in the history; together they are exactly what was sent.
    assert len(history) == CONCURRENT - 1
    assert sorted([v for (v,) in history] + [current]) == [1000.0 * (i + 1) for i in range(CONCURRENT)]


async def test_concurrent_submissions_on_sqlite_are_all_stored(
    demo_sqlite: str, make_settings: Callable[..., Settings]
) -> None:
    await _submit_concurrently(demo_sqlite, make_settings(demo_sqlite))


@pytest.mark.postgres
async def test_concurrent_submissions_on_postgres_are_all_stored(
    postgres_url: str, make_settings: Callable[..., Settings]
) -> None:
    await fill_demo(postgres_url)
    await _submit_concurrently(postgres_url, make_settings(postgres_url))
