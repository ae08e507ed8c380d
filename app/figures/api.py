"""`/api/v1`: the metric catalogue and a partner's monthly figures (shared/CONTRACT.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from litestar import Request, Response, get, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.benchmark.data import Exposure, exposures, metric_info
from app.benchmark.live import engine_of, publish_submission
from app.benchmark.service import partner_kpis
from app.db import Database
from app.figures.access import entering_allowed, partner_for
from app.figures.service import InvalidFigures, StoredMonth, month_values, store_figures
from app.models import Metric, Partner, utcnow
from app.server_timing import Steps, timed
from app.web.api_input import InvalidInput, month_or_422
from kpi.months import add_months, format_month

PartnerRequest = Request[Principal, Any, State]


def _answer(partner: Partner, month: date, values: dict[str, float], kpis: dict[str, float]) -> dict[str, Any]:
    return {"partner": partner.number, "period": format_month(month), "values": values, "kpis": kpis}


async def _may_see(session: AsyncSession, principal: Principal, partner: Partner) -> Callable[[str], bool]:
    """Which data domains of this partner the caller may see (entering implies reading back)."""
    ref = (await partner_refs(session, [partner]))[partner.id]
    return lambda domain: principal.can(Action.VIEW, ref, domain) or principal.can(Action.ENTER, ref, domain)


def _visible(kpis: dict[str, float], exposure: dict[str, Exposure], allowed: Callable[[str], bool]) -> dict[str, float]:
    """KPIs whose every input domain the caller may see (a DSO would otherwise reveal revenue)."""
    return {k: v for k, v in kpis.items() if k in exposure and all(allowed(d) for d in exposure[k].domains)}


def _month_as_stored(
    stored: StoredMonth, metrics: dict[str, Metric], allowed: Callable[[str], bool]
) -> dict[str, float]:
    """The month's values after the write, as `month_values` would read them (catalogue order, visible domains)."""
    found = stored.stored or {}
    shown = [m for m in metrics.values() if m.key in found and allowed(m.domain)]
    return {m.key: found[m.key] for m in sorted(shown, key=lambda m: m.position)}


@get("/api/v1/metrics", tags=["Kennzahlen"])
async def list_metrics(request: PartnerRequest) -> list[dict[str, Any]]:
    db: Database = request.app.state.db
    async with db.read() as session:
        metrics = (await session.scalars(select(Metric).where(Metric.active).order_by(Metric.position))).all()
    return [
        {
            "key": m.key,
            "labels": {"de": m.label_de, "en": m.label_en},
            "unit": m.unit,
            "domain": m.domain,
            "kind": m.kind,
            "time_kind": m.time_kind,
            "formula": m.formula,
            "better": m.better,
            "decimals": m.decimals,
            "sensitive": m.sensitive,
        }
        for m in metrics
    ]


KPIS_LATER = "Gespeichert. Die Kennzahlen ließen sich gerade nicht berechnen; der nächste Abruf liefert sie."


@get("/api/v1/partners/{partner_no:int}/figures/{period:str}", tags=["Zahlen"])
async def get_figures(request: PartnerRequest, partner_no: FromPath[int], period: FromPath[str]) -> dict[str, Any]:
    month = month_or_422(period)
    engine = await engine_of(request.app.state)
    async with request.app.state.db.read() as session:
        partner = await partner_for(session, request.user, partner_no, Action.VIEW, Action.ENTER)
        allowed = await _may_see(session, request.user, partner)
        values = await month_values(session, partner, month, allowed)
        exposure = exposures(engine, await metric_info(session))
        kpis = _visible(await partner_kpis(session, engine, partner, month), exposure, allowed)
    return _answer(partner, month, values, kpis)


@put("/api/v1/partners/{partner_no:int}/figures/{period:str}", tags=["Zahlen"])
async def put_figures(
    request: PartnerRequest, partner_no: FromPath[int], period: FromPath[str], data: JSONBody[dict[str, Any]]
) -> Response[dict[str, Any]]:
    with Steps() as steps:
        answer = await _submit(request, partner_no, period, data)
    return Response(answer, headers={"Server-Timing": steps.header()})


async def _submit(request: PartnerRequest, partner_no: int, period: str, data: dict[str, Any]) -> dict[str, Any]:
    """Store the month (validated), then its live updates; the answer names what was stored and the KPIs."""
    month = month_or_422(period)
    db: Database = request.app.state.db
    # Who may do what, and the catalogue, are read before the write transaction: on SQLite it
    # holds the one write lock, and every read inside it makes every other writer wait longer.
    with timed("read"):
        async with db.read() as session:
            partner = await partner_for(session, request.user, partner_no, Action.ENTER)
            domains = await entering_allowed(session, request.user, partner)
            allowed = await _may_see(session, request.user, partner)
            metrics = await metric_info(session)
            year_before = await month_values(session, partner, add_months(month, -12))
    try:
        with timed("store"):
            stored = await db.write(
                partial(
                    store_figures,
                    partner=partner,
                    month=month,
                    raw=data,
                    by_user_id=request.user.user_id,
                    source="api",
                    today=date.today(),
                    correction_months=request.app.state.settings.correction_months,
                    domains=domains,
                    metrics=metrics,
                    year_before=year_before,
                )
            )
    except InvalidFigures as exc:
        raise InvalidInput(
            "Ungültige Werte: " + ", ".join(e.field for e in exc.errors) + " (nichts gespeichert)",
            extra=[{"key": e.field, "message": e.message} for e in exc.errors],
        ) from exc
    stored_at = utcnow()  # committed: every group release read from now on shows it
    values = _month_as_stored(stored, metrics, allowed)
    kpis = await publish_submission(request.app.state, partner.id, month, metrics)
    # Programs cannot tick a box: unusual values are stored and come back as warnings.
    warnings = [{"key": w.field, "message": w.message} for w in stored.warnings]
    if kpis is None:
        warnings.append({"key": "kpis", "message": KPIS_LATER})
        kpis = {}
    visible = _visible(kpis, exposures(await engine_of(request.app.state), metrics), allowed)
    return {**_answer(partner, month, values, visible), "warnings": warnings, "stored_at": stored_at.isoformat()}


ROUTES = [list_metrics, get_figures, put_figures]
