"""`/api/v1/groups`: the comparison groups the caller may see."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State

from app.auth.permissions import Principal
from app.network.visibility import visible_groups


@get("/api/v1/groups", tags=["Vergleichsgruppen"])
async def list_groups(request: Request[Principal, Any, State]) -> list[dict[str, Any]]:
    async with request.app.state.db.read() as session:
        groups = await visible_groups(session, request.user)
    return [{"id": g.id, "name": g.name, "size": size} for g, size in groups]
