"""Who may reach a partner's figures, checked object by object."""

from __future__ import annotations

from collections.abc import Callable

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.models import Partner


async def partner_for(session: AsyncSession, principal: Principal, number: int, *actions: str) -> Partner:
    """The partner, if one of `actions` is allowed on it: 404 for an unknown number, 403 for someone else's."""
    partner = await session.scalar(select(Partner).where(Partner.number == number))
    if partner is None:
        raise NotFoundException(f"Partner {number} nicht gefunden.")
    ref = (await partner_refs(session, [partner]))[partner.id]
    if not any(principal.can(action, ref) for action in actions):
        raise PermissionDeniedException(f"Sie dürfen für Partner {number} keine Zahlen {_VERBS[actions[0]]}.")
    return partner


_VERBS: dict[str, str] = {
    Action.VIEW: "sehen",
    Action.ENTER: "erfassen",
    Action.PLAN: "als Ziel vorgeben",
    Action.AGREE: "als Ziel bestätigen",
}


async def entering_allowed(session: AsyncSession, principal: Principal, partner: Partner) -> Callable[[str], bool]:
    """The data domains in which this principal may enter this partner's figures."""
    ref = (await partner_refs(session, [partner]))[partner.id]
    return lambda domain: principal.can(Action.ENTER, ref, domain)
