"""Loading who is asking: a user's grants, managed territories and the partner's place in the tree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.permissions import GrantRule, PartnerRef, Principal
from app.models import Partner, PermissionClass, Territory, User
from app.network.memo import request_memo


async def load_principal(session: AsyncSession, user_id: int) -> Principal | None:
    user = await session.scalar(
        select(User)
        .where(User.id == user_id, User.active)
        .options(
            selectinload(User.classes).selectinload(PermissionClass.grants),
            selectinload(User.managed_territories),
            selectinload(User.partner),
        )
    )
    if user is None:
        return None
    grants = {GrantRule(g.action, g.domain, g.scope) for c in user.classes for g in c.grants}
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        partner_id=user.partner_id,
        partner_number=user.partner.number if user.partner else None,
        grants=tuple(sorted(grants, key=lambda g: (g.action, g.domain, g.scope))),
        managed_territories=frozenset(t.code for t in user.managed_territories),
        must_change_password=user.must_change_password,
    )


async def territory_paths(session: AsyncSession) -> dict[int, tuple[str, ...]]:
    """Each territory id -> the codes from the root down to it (read once per HTTP request)."""
    memo = request_memo()
    if memo is not None and "territory_paths" in memo:
        found: dict[int, tuple[str, ...]] = memo["territory_paths"]
        return found
    nodes = {t.id: t for t in (await session.scalars(select(Territory))).all()}
    paths: dict[int, tuple[str, ...]] = {}

    def path(tid: int) -> tuple[str, ...]:
        if tid not in paths:
            node = nodes[tid]
            paths[tid] = (path(node.parent_id) if node.parent_id else ()) + (node.code,)
        return paths[tid]

    for tid in nodes:
        path(tid)
    if memo is not None:
        memo["territory_paths"] = paths
    return paths


async def partner_refs(session: AsyncSession, partners: list[Partner]) -> dict[int, PartnerRef]:
    paths = await territory_paths(session)
    return {p.id: PartnerRef(p.id, paths[p.territory_id]) for p in partners}
