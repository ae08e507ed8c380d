"""Which partners and comparison groups a principal may see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, PartnerRef, Principal
from app.auth.principals import territory_paths
from app.models import ComparisonGroup, Partner
from app.network.groups import groups_of_partner, groups_with_members


async def all_partners(session: AsyncSession) -> list[Partner]:
    """Every partner by number, read once per session: a start page asks three times (callers
    must not change the list)."""
    found: list[Partner] | None = session.info.get("all_partners")
    if found is None:
        found = list(await session.scalars(select(Partner).order_by(Partner.number)))
        session.info["all_partners"] = found
    return found


async def active_partners(session: AsyncSession) -> list[Partner]:
    return [p for p in await all_partners(session) if p.active]


async def visible_partners(session: AsyncSession, principal: Principal, action: str = Action.VIEW) -> list[Partner]:
    partners = await all_partners(session)
    paths = await territory_paths(session)
    return [p for p in partners if principal.can(action, PartnerRef(p.id, paths[p.territory_id]))]


async def visible_groups(session: AsyncSession, principal: Principal) -> list[tuple[ComparisonGroup, int]]:
    """Groups with their size: a partner's users see the groups their business is in, the Zentrale all."""
    if principal.is_partner_user:
        if principal.partner_id is None or not (principal.may(Action.BENCHMARK) or principal.may(Action.VIEW)):
            return []
        return [(g, len(members)) for g, members in await groups_of_partner(session, principal.partner_id)]
    if not principal.may(Action.VIEW):
        return []
    return [(g, len(members)) for g, members in await groups_with_members(session)]
