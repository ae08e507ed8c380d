"""Whose figures the analysis shows: a partner's users their own business; Zentrale staff the
partner they pick, within the scope of their grants, or none (the group view only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, PartnerRef, Principal
from app.auth.principals import territory_paths
from app.models import Partner
from app.network.visibility import visible_partners


class OutOfScope(PermissionError):
    pass


async def pickable(session: AsyncSession, principal: Principal) -> list[Partner]:
    """The partners a Zentrale user may open the analysis of (none for a partner's users)."""
    return [] if principal.is_partner_user else await visible_partners(session, principal, Action.VIEW)


async def subject_of(session: AsyncSession, principal: Principal, number: int | None) -> Partner | None:
    """The partner behind `?partner=`; None without one or for a partner's user (always their own).

    Raises OutOfScope for a partner the user's grants do not cover (or that does not exist:
    the answer must not tell the two apart).
    """
    if principal.is_partner_user or number is None:
        return None
    partner = await session.scalar(select(Partner).where(Partner.number == number))
    paths = await territory_paths(session)
    if partner is None or not principal.can(Action.VIEW, PartnerRef(partner.id, paths[partner.territory_id])):
        raise OutOfScope(f"Partner {number} liegt nicht in Ihrem Bereich.")
    return partner
