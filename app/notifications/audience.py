"""Who of a partner's users may do something (e.g. confirm targets): the ones to tell."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principals import load_principal, partner_refs
from app.models import Partner, User


async def users_who_may(session: AsyncSession, partner_id: int, action: str) -> list[int]:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        return []
    ref = (await partner_refs(session, [partner]))[partner.id]
    found = []
    for user_id in await session.scalars(select(User.id).where(User.partner_id == partner_id, User.active)):
        principal = await load_principal(session, user_id)
        if principal is not None and principal.can(action, ref):
            found.append(user_id)
    return found
