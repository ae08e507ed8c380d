"""Master data over the API: comparison groups, territories and partners, as far as the caller may see them."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from sqlalchemy import select

from app.auth.permissions import Action, Principal
from app.models import Territory
from app.network.visibility import visible_groups, visible_partners


@get("/api/v1/groups", tags=["Vergleichsgruppen"])
async def list_groups(request: Request[Principal, Any, State]) -> list[dict[str, Any]]:
    async with request.app.state.db.read() as session:
        groups = await visible_groups(session, request.user)
    return [{"id": g.id, "name": g.name, "size": size} for g, size in groups]


@get("/api/v1/territories", tags=["Stammdaten"])
async def list_territories(request: Request[Principal, Any, State]) -> list[dict[str, Any]]:
    """The sales territories with their region (names are no secret: every user sees them)."""
    async with request.app.state.db.read() as session:
        nodes = {t.id: t for t in await session.scalars(select(Territory).where(Territory.active))}
    return [
        {
            "id": t.id,
            "code": t.code,
            "name": t.name,
            "region": nodes[t.parent_id].code if t.parent_id in nodes else None,
        }
        for t in sorted(nodes.values(), key=lambda t: t.code)
        if t.level == "territory"
    ]


@get("/api/v1/partners", tags=["Stammdaten"])
async def list_partners(request: Request[Principal, Any, State]) -> list[dict[str, Any]]:
    """The partners the caller may see or enter figures for (a partner's users: their own)."""
    async with request.app.state.db.read() as session:
        seen = await visible_partners(session, request.user, Action.VIEW)
        entered = await visible_partners(session, request.user, Action.ENTER)
        codes = {t.id: t.code for t in await session.scalars(select(Territory))}
    partners = {p.number: p for p in [*seen, *entered]}
    return [
        {"number": p.number, "name": p.name, "territory": codes.get(p.territory_id), "town": p.city}
        for p in sorted(partners.values(), key=lambda p: p.number)
    ]
