"""Who sees and assigns which task.

- A task's assignee and creator always see it.
- Zentrale staff see every task about a partner they may view (also one among the partner's own
  users), and their own.
- A partner's managing director (views the own business) sees every task assigned to a user of
  the own business; other partner users see their own. No partner user sees the Zentrale's
  internal tasks about their business (assigned to Zentrale staff).
- Assigning: Zentrale staff to any Zentrale user and to users of partners they may view; a
  managing director to users of the own business.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, PartnerRef, Principal
from app.auth.principals import territory_paths
from app.models import Partner, Task, User


async def visible_partner_ids(session: AsyncSession, principal: Principal) -> set[int]:
    paths = await territory_paths(session)
    rows = await session.execute(select(Partner.id, Partner.territory_id))
    return {pid for pid, tid in rows if principal.can(Action.VIEW, PartnerRef(pid, paths[tid]))}


def leads_own_business(principal: Principal) -> bool:
    return principal.partner_id is not None and principal.may(Action.VIEW)


async def visibility(session: AsyncSession, principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause: the tasks this principal may see."""
    mine = or_(Task.assignee_id == principal.user_id, Task.created_by_id == principal.user_id)
    if principal.is_partner_user:
        if not leads_own_business(principal):
            return mine
        own_users = select(User.id).where(User.partner_id == principal.partner_id)
        return or_(mine, Task.assignee_id.in_(own_users))
    partners = await visible_partner_ids(session, principal)
    return or_(mine, Task.partner_id.in_(partners)) if partners else mine


async def may_assign_to(session: AsyncSession, principal: Principal, assignee: User) -> bool:
    if not assignee.active:
        return False
    if principal.is_partner_user:
        return leads_own_business(principal) and assignee.partner_id == principal.partner_id
    if not principal.may(Action.VIEW):
        return assignee.id == principal.user_id
    if assignee.partner_id is None:
        return True
    return assignee.partner_id in await visible_partner_ids(session, principal)


async def may_set_partner(session: AsyncSession, principal: Principal, partner_id: int) -> bool:
    if principal.is_partner_user:
        return partner_id == principal.partner_id
    return partner_id in await visible_partner_ids(session, principal)
