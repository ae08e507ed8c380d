"""Who sees and assigns which task.

- A task's assignee and creator always see it.
- Zentrale staff see every task about a partner they may view (also one among the partner's own
  users), and their own.
- A partner's managing director (views the own business) sees every task assigned to a user of
  the own business; other partner users see their own. No partner user sees the Zentrale's
  internal tasks about their business (assigned to Zentrale staff).
- Assigning follows who may work with whom (app.network.colleagues).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Principal
from app.models import Task, User
from app.network.colleagues import leads_own_business, visible_partner_ids


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
