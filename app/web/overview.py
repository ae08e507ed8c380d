"""What the landing page shows: the own business's reporting status, or the network's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.models import MonthReport, Partner
from app.network.visibility import visible_groups, visible_partners
from kpi.months import add_months, month_of, months_back


@dataclass(frozen=True)
class MonthStatus:
    month: date
    reported: bool


@dataclass(frozen=True)
class Overview:
    partner: Partner | None
    months: list[MonthStatus]
    partners_visible: int
    reported_last_month: int
    last_month: date
    groups: int


async def build_overview(session: AsyncSession, principal: Principal, today: date) -> Overview:
    last_month = add_months(month_of(today), -1)
    partner = await session.get(Partner, principal.partner_id) if principal.partner_id else None
    months: list[MonthStatus] = []
    if partner is not None:
        reported = set(await session.scalars(select(MonthReport.month).where(MonthReport.partner_id == partner.id)))
        months = [MonthStatus(m, m in reported) for m in months_back(last_month, 12)]
    partners = await visible_partners(session, principal, Action.VIEW) if not principal.is_partner_user else []
    reported_count = 0
    if partners:
        reported_count = (
            await session.scalar(
                select(func.count())
                .select_from(MonthReport)
                .where(MonthReport.month == last_month, MonthReport.partner_id.in_([p.id for p in partners]))
            )
            or 0
        )
    groups = len(await visible_groups(session, principal))
    return Overview(partner, months, len(partners), reported_count, last_month, groups)
