"""What a user's rights reach, in words for their account page: classes, territories, partners, domains."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.models import PermissionClass, Territory, user_classes
from app.network.visibility import visible_partners
from app.web.domains import DOMAIN_TITLES


@dataclass(frozen=True)
class Reach:
    classes: list[str]
    territories: list[str]  # "Nord (Region)"; empty: not scoped by territory
    partners_seen: int
    domains_seen: list[str]


async def reach_of(session: AsyncSession, principal: Principal) -> Reach:
    classes = await session.scalars(
        select(PermissionClass.name)
        .join(user_classes, user_classes.c.class_id == PermissionClass.id)
        .where(user_classes.c.user_id == principal.user_id)
        .order_by(PermissionClass.name)
    )
    levels = {"network": "Netz", "region": "Region", "territory": "Gebiet"}
    territories = await session.scalars(
        select(Territory).where(Territory.code.in_(principal.managed_territories)).order_by(Territory.name)
    )
    seen = await visible_partners(session, principal, Action.VIEW)
    return Reach(
        classes=list(classes),
        territories=[f"{t.name} ({levels.get(t.level, t.level)})" for t in territories],
        partners_seen=len(seen),
        domains_seen=[title for domain, title in DOMAIN_TITLES.items() if principal.may(Action.VIEW, domain)],
    )
