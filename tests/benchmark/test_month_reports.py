"""Who reported which month in which revision, as the release checks read it: kept per process,
and after a change read again only for the reports submitted lately. Nothing may be missed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app.benchmark.month_reports import month_reports, reports_now
from app.db import Database
from app.models import MonthReport, utcnow
from kpi.months import add_months, month_of
from tests.conftest import fill_demo

LAST_MONTH = add_months(month_of(date.today()), -1)
YEAR_BEFORE = add_months(LAST_MONTH, -12)


async def revise(db: Database, partner_id: int, month: date, submitted_ago: timedelta) -> int:
    """Raise a report's revision as a submission does, with its submission time `submitted_ago`; the new revision."""
    async with db.transaction() as session:
        report = await session.scalar(
            select(MonthReport).where(MonthReport.partner_id == partner_id, MonthReport.month == month)
        )
        assert report is not None
        revision = report.revision + 1
        await session.execute(
            update(MonthReport)
            .where(MonthReport.id == report.id)
            .values(revision=revision, submitted_at=utcnow() - submitted_ago)
        )
        return revision


async def shown(db: Database, months: list[date], *, with_state: bool) -> dict[tuple[int, date], int]:
    async with db.read() as session:
        # As a release check does: the state first, then the reports at least that new.
        state = (await reports_now(session, months))[0] if with_state else None
        return {(pid, month): revision for pid, month, revision in await month_reports(session, months, state)}


async def stored(db: Database, months: list[date]) -> dict[tuple[int, date], int]:
    async with db.read() as session:
        rows = await session.execute(
            select(MonthReport.partner_id, MonthReport.month, MonthReport.revision).where(MonthReport.month.in_(months))
        )
        return {(pid, month): revision for pid, month, revision in rows}


async def check_every_change_is_seen(url: str) -> None:
    db = Database(url)
    months = [YEAR_BEFORE, LAST_MONTH]
    try:
        first = await shown(db, months, with_state=False)
        assert first == await stored(db, months) and len(first) > 10
        partners = sorted({pid for pid, month in first if month == LAST_MONTH})
        # A submission just now: found among the reports submitted lately.
        now = await revise(db, partners[0], LAST_MONTH, timedelta(0))
        for with_state in (False, True):
            again = await shown(db, months, with_state=with_state)
            assert again[(partners[0], LAST_MONTH)] == now
            assert again == await stored(db, months)
        # A transaction that committed long after its submission time (a writer held up for
        # minutes): not among the recent reports, yet it must be found.
        late = await revise(db, partners[1], LAST_MONTH, timedelta(minutes=10))
        assert (await shown(db, months, with_state=False))[(partners[1], LAST_MONTH)] == late
        # The same, alongside a recent change of another partner and of the year before.
        await revise(db, partners[2], LAST_MONTH, timedelta(0))
        await revise(db, partners[3], LAST_MONTH, timedelta(hours=1))
        await revise(db, partners[4], YEAR_BEFORE, timedelta(days=30))
        assert await shown(db, months, with_state=True) == await stored(db, months)
        assert await shown(db, [LAST_MONTH], with_state=False) == await stored(db, [LAST_MONTH])
    finally:
        await db.dispose()


async def test_every_changed_report_is_seen_on_sqlite(demo_sqlite: str) -> None:
    await check_every_change_is_seen(demo_sqlite)


@pytest.mark.postgres
async def test_every_changed_report_is_seen_on_postgres(postgres_url: str) -> None:
    await fill_demo(postgres_url, partners=20, months=14)
    await check_every_change_is_seen(postgres_url)
