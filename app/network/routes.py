"""The partner list of the Zentrale, limited to the partners the user may see."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Template

from app.auth.middleware import requires
from app.auth.permissions import Principal
from app.network.directory import may_browse_partners, partner_directory


@get("/partner", name="partners", include_in_schema=False, guards=[requires(may_browse_partners)])
async def partner_list(request: Request[Principal, Any, State]) -> Template:
    async with request.app.state.db.read() as session:
        rows = await partner_directory(session, request.user)
    return Template("network/partners.html", context={"rows": rows})


ROUTES = [partner_list]
