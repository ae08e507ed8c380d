"""Loading who is asking: a user's grants, managed territories and the partner's place in the tree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import GrantRule, PartnerRef, Principal
from app.models import Grant, Partner, Territory, User, territory_managers, user_classes
from app.network.memo import request_memo

# Plain rows, no ORM objects: read for every request and socket connect, and loading a user
# with its classes, grants, territories and partner as objects cost milliseconds of the event loop.
_USER = (
    select(User.id, User.username, User.display_name, User.partner_id, User.must_change_password, Partner.number)
    .outerjoin(Partner, Partner.id == User.partner_id)
    .where(User.active)
)
_GRANTS = select(Grant.action, Grant.domain, Grant.scope).join(user_classes, user_classes.c.class_id == Grant.class_id)
_MANAGED = select(Territory.code).join(territory_managers, territory_managers.c.territory_id == Territory.id)


async def load_principal(session: AsyncSession, user_id: int) -> Principal | None:
    user = (await session.execute(_USER.where(User.id == user_id))).first()
    if user is None:
        return None
    grants = {GrantRule(*g) for g in await session.execute(_GRANTS.where(user_classes.c.user_id == user_id))}
    managed = await session.scalars(_MANAGED.where(territory_managers.c.user_id == user_id))
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        partner_id=user.partner_id,
        partner_number=user.number,
        grants=tuple(sorted(grants, key=lambda g: (g.action, g.domain, g.scope))),
        managed_territories=frozenset(managed),
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
