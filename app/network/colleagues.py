"""Who may work with whom: give a task to, invite to a visit, write to.

Zentrale staff work with every Zentrale user and with the users of the partners they may view; a
partner's managing director (who views the own business) with the users of the own business;
others only with themselves. The same rule says which partners a piece of work may concern.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, PartnerRef, Principal
from app.auth.principals import territory_paths
from app.models import Partner, User


async def visible_partner_ids(session: AsyncSession, principal: Principal) -> set[int]:
    paths = await territory_paths(session)
    rows = await session.execute(select(Partner.id, Partner.territory_id))
    return {pid for pid, tid in rows if principal.can(Action.VIEW, PartnerRef(pid, paths[tid]))}


def leads_own_business(principal: Principal) -> bool:
    return principal.partner_id is not None and principal.may(Action.VIEW)


async def may_work_with(session: AsyncSession, principal: Principal, other: User) -> bool:
    if not other.active:
        return False
    if principal.is_partner_user:
        return leads_own_business(principal) and other.partner_id == principal.partner_id
    if not principal.may(Action.VIEW):
        return other.id == principal.user_id
    if other.partner_id is None:
        return True
    return other.partner_id in await visible_partner_ids(session, principal)


async def may_concern(session: AsyncSession, principal: Principal, partner_id: int) -> bool:
    """Whether a task, visit or conversation of this principal may be about the partner."""
    if principal.is_partner_user:
        return partner_id == principal.partner_id
    return partner_id in await visible_partner_ids(session, principal)
