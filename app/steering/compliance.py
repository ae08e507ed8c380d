"""Who of the partners a user may see has (not yet) reported a month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.models import MonthReport, Partner
from app.network.visibility import visible_partners


@dataclass(frozen=True)
class Reporting:
    partner: Partner
    reported_at: datetime | None


async def reporting(session: AsyncSession, principal: Principal, month: date) -> list[Reporting]:
    """Not-yet-reported partners first, then by number."""
    partners = [p for p in await visible_partners(session, principal, Action.VIEW) if p.active]
    rows = await session.execute(
        select(MonthReport.partner_id, MonthReport.submitted_at).where(
            MonthReport.month == month, MonthReport.partner_id.in_([p.id for p in partners])
        )
    )
    reported = {partner_id: at for partner_id, at in rows}
    result = [Reporting(p, reported.get(p.id)) for p in partners]
    return sorted(result, key=lambda r: (r.reported_at is not None, r.partner.number))
