"""The partner directory of the Zentrale: who, where, and when they last reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.auth.principals import territory_paths
from app.models import MonthReport, Partner, Territory
from app.network.visibility import visible_partners


def may_browse_partners(principal: Principal) -> bool:
    """The directory is the Zentrale's: partner users see their own business elsewhere."""
    return not principal.is_partner_user and principal.may(Action.VIEW)


@dataclass(frozen=True)
class DirectoryRow:
    partner: Partner
    region: str
    territory: str
    last_report: date | None


async def partner_directory(session: AsyncSession, principal: Principal) -> list[DirectoryRow]:
    partners = await visible_partners(session, principal)
    names = {t.code: t.name for t in await session.scalars(select(Territory))}
    paths = await territory_paths(session)
    last = {
        partner_id: month
        for partner_id, month in await session.execute(
            select(MonthReport.partner_id, func.max(MonthReport.month)).group_by(MonthReport.partner_id)
        )
    }
    return [
        DirectoryRow(p, names[paths[p.territory_id][1]], names[paths[p.territory_id][-1]], last.get(p.id))
        for p in partners
    ]
