"""`/zentrale/ziele`: actual against target for the network, its regions and territories, down to partners."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Template

from app.auth.middleware import requires
from app.auth.permissions import Action, Principal
from app.benchmark.live import engine_of
from app.steering.compliance import reporting
from app.steering.rollups import TARGET_METRICS, steering
from kpi.months import add_months, format_month, month_of, parse_month
from kpi.periods import SPAN_LABELS, Span


def may_steer(principal: Principal) -> bool:
    return not principal.is_partner_user and principal.may(Action.VIEW, "sales")


@get("/zentrale/ziele", guards=[requires(may_steer)], include_in_schema=False)
async def targets_page(
    request: Request[Principal, Any, State],
    kennzahl: FromQuery[str] = "revenue_new",
    monat: FromQuery[str] = "",
    spanne: FromQuery[str] = "ytd",
) -> Template:
    key = kennzahl if kennzahl in TARGET_METRICS else "revenue_new"
    try:
        month = parse_month(monat) if monat else add_months(month_of(date.today()), -1)
    except ValueError:
        month = add_months(month_of(date.today()), -1)
    span = Span(spanne) if spanne in {s.value for s in Span} else Span.YTD
    engine = await engine_of(request.app.state)
    async with request.app.state.db.read() as session:
        tree, partners = await steering(session, engine, request.user, key, month, span)
    return Template(
        "steering/targets.html",
        context={
            "tree": tree,
            "partners": partners,
            "key": key,
            "keys": TARGET_METRICS,
            "labels": engine.labels,
            "period": format_month(month),
            "span": span,
            "spans": SPAN_LABELS,
        },
    )


def may_follow_reporting(principal: Principal) -> bool:
    return not principal.is_partner_user and principal.may(Action.VIEW)


@get("/zentrale/meldungen", guards=[requires(may_follow_reporting)], include_in_schema=False)
async def reporting_page(request: Request[Principal, Any, State], monat: FromQuery[str] = "") -> Template:
    """Reporting compliance: who has not reported the month yet (by default last month)."""
    try:
        month = parse_month(monat) if monat else add_months(month_of(date.today()), -1)
    except ValueError:
        month = add_months(month_of(date.today()), -1)
    async with request.app.state.db.read() as session:
        rows = await reporting(session, request.user, month)
    missing = sum(1 for r in rows if r.reported_at is None)
    return Template(
        "steering/reporting.html",
        context={"rows": rows, "month": month, "period": format_month(month), "missing": missing},
    )


ROUTES = [targets_page, reporting_page]
