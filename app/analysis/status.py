"""How many of a group's partners have reported, month by month: counts only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import MonthReport
from app.network.groups import members_of
from kpi.months import add_months


async def reporting_status(
    session: AsyncSession, group_id: int, last: date, count: int = 6
) -> list[tuple[str, int, int]]:
    members = await members_of(session, group_id)
    ids = [p.id for p in members]
    months = [add_months(last, -i) for i in range(count - 1, -1, -1)]
    rows = await session.execute(
        select(MonthReport.month, func.count())
        .where(MonthReport.partner_id.in_(ids), MonthReport.month.in_(months))
        .group_by(MonthReport.month)
    )
    done = {month: n for month, n in rows}
    return [(f"{m.month:02d}/{m.year}", done.get(m, 0), len(ids)) for m in months]
