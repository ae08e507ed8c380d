"""`GET /api/v1/benchmark`: a group's released figures and the caller's own place (shared/CONTRACT.md)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery

from app.auth.permissions import Action, Principal
from app.benchmark.data import exposures, metric_info
from app.benchmark.live import engine_of
from app.benchmark.service import (
    current_release,
    own_place,
    partner_kpis_with_prior,
    public_cell,
    release_is_due,
    stored_release,
)
from app.figures.api import InvalidInput, month_or_422
from app.models import Partner
from app.network.groups import groups_with_members
from app.network.visibility import visible_groups
from kpi.months import format_month, month_of
from kpi.periods import Span
from kpi.stats import change


def _span(text: str) -> Span:
    try:
        return Span(text)
    except ValueError as exc:
        allowed = ", ".join(s.value for s in Span)
        raise InvalidInput(
            f"Unbekannte Spanne „{text}“ (erlaubt: {allowed}).",
            extra=[{"key": "span", "message": f"erlaubt: {allowed}"}],
        ) from exc


@get("/api/v1/benchmark", tags=["Betriebsvergleich"])
async def benchmark(
    request: Request[Principal, Any, State],
    group: FromQuery[int],
    period: FromQuery[str],
    span: FromQuery[str] = "month",
) -> dict[str, Any]:
    """Per KPI the group figures the caller may see (hidden cells say why), and the own value, rank, percentile."""
    month, chosen = month_or_422(period), _span(span)
    principal = request.user
    state = request.app.state
    engine = await engine_of(state)
    async with state.db.read() as session:
        visible = {g.id for g, _ in await visible_groups(session, principal)}
        members = next((m for g, m in await groups_with_members(session) if g.id == group and g.id in visible), None)
        own = await session.get(Partner, principal.partner_id) if principal.partner_id else None
        own_kpis, own_prior = await partner_kpis_with_prior(session, engine, own, month, chosen) if own else ({}, {})
        metrics = await metric_info(session)
    if members is None:
        raise NotFoundException(f"Vergleichsgruppe {group} nicht gefunden.")
    if month > month_of(date.today()):
        raise InvalidInput(
            f"{format_month(month)} liegt in der Zukunft.", extra=[{"key": "period", "message": "Zukunft"}]
        )
    async with state.db.read() as session:
        group_row = next(g for g, _ in await groups_with_members(session) if g.id == group)
        due = await release_is_due(session, engine, group_row, members, month, chosen)
        record = None if due else await stored_release(session, group, month, chosen)
    if record is None:
        # Only a due release writes (on SQLite that takes the write lock); the rest is a read.
        async with state.db.transaction() as session:
            record = (await current_release(session, engine, group_row, members, month, chosen)).record
    action = Action.BENCHMARK if principal.is_partner_user else Action.VIEW
    exposure = exposures(engine, metrics)
    kpis: dict[str, Any] = {}
    for key, cell in record.cells.items():
        metric = metrics.get(key)
        # A KPI shows what it is computed from: every input's domain must be visible (DSO reveals revenue).
        if metric is None or not all(principal.may(action, d) for d in exposure[key].domains):
            continue
        sensitive = exposure[key].sensitive
        value, before = own_kpis.get(key), own_prior.get(key)
        place = own_place(cell, own.id, metric.better) if own and not sensitive else None
        growth = change(value, before) if value is not None and before is not None else math.nan
        kpis[key] = {
            **public_cell(cell, sensitive),
            "label": metric.label_de,
            "unit": metric.unit,
            "own": value,
            "rank": place.rank if place else None,
            "percentile": None if place is None or math.isnan(place.percentile) else round(place.percentile, 1),
            "own_prior_year": before,
            "change": None if math.isnan(growth) else round(growth, 2),
        }
    return {
        "group": group,
        "period": format_month(month),
        "span": chosen.value,
        "released_at": record.released_at.isoformat(),
        "partner": own.number if own else None,
        "kpis": kpis,
    }
