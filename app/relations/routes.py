"""`/zentrale/partner/{nr}`: the partner file (360°) for the Zentrale, block by block as the reader's domains allow."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.auth.middleware import requires
from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.benchmark.live import engine_of
from app.figures.access import partner_for
from app.models import Territory
from app.relations.master_data import ADDRESS_KINDS, CONTRACT_TYPES, STAFF_ROLES, read_master
from app.relations.partner_file import supplier_side, trends
from app.steering.figures import partner_view
from app.steering.routes import may_follow_reporting, may_steer, month_or_last, span_or
from app.web.domains import DOMAIN_TITLES
from kpi.months import format_month
from kpi.periods import SPAN_LABELS, Span


@get("/zentrale/partner/{partner_no:int}", guards=[requires(may_follow_reporting)], include_in_schema=False)
async def partner_file(
    request: Request[Principal, Any, State],
    partner_no: FromPath[int],
    monat: FromQuery[str] = "",
    spanne: FromQuery[str] = "ytd",
) -> Template:
    """Master data, contacts and staff; every KPI the reader may see with trend, position and target;
    open items, warranty claims, purchases and marketing for those whose domain they are."""
    month, span = month_or_last(monat), span_or(spanne, Span.YTD)
    engine = await engine_of(request.app.state)
    user = request.user
    async with request.app.state.db.read() as session:
        partner = await partner_for(session, user, partner_no, Action.VIEW)
        territory = await session.get(Territory, partner.territory_id)
        lines = await partner_view(session, engine, user, partner, month, span)
        trend = await trends(session, engine, user, partner, [line.column.key for line in lines], month, span)
        master = await read_master(session, partner)
        side = await supplier_side(session, engine, user, partner, month, date.today())
        ref = (await partner_refs(session, [partner]))[partner.id]
    return Template(
        "relations/partner_file.html",
        context={
            "partner": partner,
            "territory": territory,
            "master": master,
            "side": side,
            "trend": trend,
            "sections": [
                (title, [line for line in lines if line.domain == domain])
                for domain, title in DOMAIN_TITLES.items()
                if any(line.domain == domain for line in lines)
            ],
            "may_steer": may_steer(user),
            "may_plan": user.can(Action.PLAN, ref),
            "address_kinds": ADDRESS_KINDS,
            "contract_types": CONTRACT_TYPES,
            "staff_roles": STAFF_ROLES,
            "period": format_month(month),
            "month": month,
            "span": span,
            "spans": SPAN_LABELS,
            "today": date.today(),
        },
    )


ROUTES = [partner_file]
