"""The landing page after sign-in."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Redirect, Template

from app.auth.permissions import Principal
from app.entry.routes import enters_only
from app.web.overview import build_overview


@get("/", name="home", include_in_schema=False)
async def home(request: Request[Principal, Any, State]) -> Template | Redirect:
    if enters_only(request.user):
        return Redirect("/erfassung", status_code=303)
    async with request.app.state.db.read() as session:
        overview = await build_overview(session, request.user, date.today())
    return Template("home.html", context={"overview": overview})


ROUTES = [home]
