"""`/zentrale/ziele`: actual against target for the network, its regions and territories, down to partners."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy import select

from app.auth.middleware import requires
from app.auth.permissions import Action, Principal
from app.benchmark.live import engine_of
from app.models import Territory
from app.steering.charts import plan_states, territory_attainment
from app.steering.compliance import reporting
from app.steering.figures import domain_view
from app.steering.rollups import plannable_keys, steering
from app.web.domains import DOMAIN_TITLES
from kpi.months import add_months, format_month, month_of, parse_month
from kpi.periods import SPAN_LABELS, Span


def month_or_last(monat: str) -> date:
    try:
        return parse_month(monat) if monat else add_months(month_of(date.today()), -1)
    except ValueError:
        return add_months(month_of(date.today()), -1)


def span_or(spanne: str, default: Span) -> Span:
    return Span(spanne) if spanne in {s.value for s in Span} else default


def may_steer(principal: Principal) -> bool:
    return not principal.is_partner_user and principal.may(Action.VIEW, "sales")


@get("/zentrale/ziele", guards=[requires(may_steer)], include_in_schema=False)
async def targets_page(
    request: Request[Principal, Any, State],
    kennzahl: FromQuery[str] = "revenue_new",
    monat: FromQuery[str] = "",
    spanne: FromQuery[str] = "ytd",
    gebiet: FromQuery[str] = "",
) -> Template:
    month, span = month_or_last(monat), span_or(spanne, Span.YTD)
    engine = await engine_of(request.app.state)
    async with request.app.state.db.read() as session:
        keys = await plannable_keys(session, engine, request.user)
        key = kennzahl if kennzahl in keys else ("revenue_new" if "revenue_new" in keys else next(iter(keys)))
        result = await steering(session, engine, request.user, key, month, span, gebiet or None)
    territory = next((row.territory for row in result.tree if row.territory.code == gebiet), None)
    return Template(
        "steering/targets.html",
        context={
            "charts": [territory_attainment(result.tree), plan_states(result.partners, month.year)],
            "tree": result.tree,
            "partners": result.partners,
            "summed": result.summed,
            "territory": territory,
            "key": key,
            "keys": keys,
            "labels": engine.labels,
            "unit": keys[key],
            "may_plan": request.user.may(Action.PLAN),
            "year": month.year,
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
    month = month_or_last(monat)
    async with request.app.state.db.read() as session:
        rows = await reporting(session, request.user, month)
    missing = sum(1 for r in rows if r.reported_at is None)
    return Template(
        "steering/reporting.html",
        context={"rows": rows, "month": month, "period": format_month(month), "missing": missing},
    )


@get("/zentrale/kennzahlen", guards=[requires(may_follow_reporting)], include_in_schema=False)
async def domain_page(
    request: Request[Principal, Any, State],
    bereich: FromQuery[str] = "",
    gebiet: FromQuery[str] = "",
    monat: FromQuery[str] = "",
    spanne: FromQuery[str] = "month",
) -> Template:
    """One data domain's KPIs per partner: what functional staff work with (e.g. DSO and overdue)."""
    user = request.user
    domains = {d: title for d, title in DOMAIN_TITLES.items() if user.may(Action.VIEW, d)}
    domain = bereich if bereich in domains else next(iter(domains))
    month, span = month_or_last(monat), span_or(spanne, Span.MONTH)
    engine = await engine_of(request.app.state)
    async with request.app.state.db.read() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == gebiet)) if gebiet else None
        columns, lines, withheld = await domain_view(
            session, engine, user, domain, month, span, territory.code if territory else None
        )
    return Template(
        "steering/domain.html",
        context={
            "domains": domains,
            "domain": domain,
            "territory": territory,
            "columns": columns,
            "lines": lines,
            "withheld": withheld,
            "period": format_month(month),
            "month": month,
            "span": span,
            "spans": SPAN_LABELS,
        },
    )


ROUTES = [targets_page, reporting_page, domain_page]
