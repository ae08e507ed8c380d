"""The month a partner's users should report next, and the reporting state of the last twelve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Principal
from app.models import Figure, MonthReport, Partner
from kpi.months import add_months, format_month, month_of, months_back


@dataclass(frozen=True)
class MonthStatus:
    month: date
    reported: bool
    started: bool  # some figures entered, not yet reported


@dataclass(frozen=True)
class Prompt:
    month: date
    late: bool  # the month past, not yet reported: the deadline applies
    deadline: date
    url: str


async def reporting_state(
    session: AsyncSession, principal: Principal, today: date, deadline_day: int
) -> tuple[Partner | None, list[MonthStatus], Prompt | None]:
    """The partner, its last twelve months up to the running one, and what to enter next."""
    partner = await session.get(Partner, principal.partner_id) if principal.partner_id else None
    if partner is None:
        return None, [], None
    current = month_of(today)
    months = months_back(current, 12)
    reported = set(
        await session.scalars(
            select(MonthReport.month).where(MonthReport.partner_id == partner.id, MonthReport.month >= months[0])
        )
    )
    started = set(
        await session.scalars(
            select(Figure.month).where(Figure.partner_id == partner.id, Figure.month >= months[0]).distinct()
        )
    )
    strip = [MonthStatus(m, m in reported, m in started and m not in reported) for m in months]
    last = add_months(current, -1)
    due = date(current.year, current.month, deadline_day)
    month = last if last not in reported else current
    prompt = Prompt(month, month == last, due, f"/erfassung/{partner.number}/{format_month(month)}")
    return partner, strip, prompt
