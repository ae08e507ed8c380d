"""The partner list of the Zentrale, limited to the partners the user may see."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Template
from sqlalchemy import func, select

from app.auth.middleware import requires
from app.auth.permissions import Action, Principal
from app.auth.principals import territory_paths
from app.models import MonthReport, Territory
from app.network.visibility import visible_partners


@get("/partner", name="partners", include_in_schema=False, guards=[requires(Action.VIEW)])
async def partner_list(request: Request[Principal, Any, State]) -> Template:
    async with request.app.state.db.read() as session:
        partners = await visible_partners(session, request.user)
        names = {t.code: t.name for t in await session.scalars(select(Territory))}
        paths = await territory_paths(session)
        last = dict(
            (
                await session.execute(
                    select(MonthReport.partner_id, func.max(MonthReport.month)).group_by(MonthReport.partner_id)
                )
            ).tuples().all()
        )
    rows = [
        {"partner": p, "region": names[paths[p.territory_id][1]], "territory": names[paths[p.territory_id][-1]],
         "last_report": last.get(p.id)}
        for p in partners
    ]
    return Template("network/partners.html", context={"rows": rows, "today": date.today()})


ROUTES = [partner_list]
