"""`/api/v1`: the metric catalogue and a partner's monthly figures (shared/CONTRACT.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get, put
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.db import Database
from app.figures.service import InvalidFigures, month_values, store_month
from app.models import Metric, Partner
from kpi.months import format_month, parse_month
from realtime.publish import Publisher

PartnerRequest = Request[Principal, Any, State]


def _month(text: str) -> date:
    try:
        return parse_month(text)
    except ValueError as exc:
        raise ValidationException(str(exc), extra=[{"key": "period", "message": str(exc)}]) from exc


async def _partner_for(session: AsyncSession, principal: Principal, number: int, action: str) -> Partner:
    """The partner, if the caller may do `action` on it; someone who may not even see it gets 404."""
    partner = await session.scalar(select(Partner).where(Partner.number == number))
    if partner is None:
        raise NotFoundException(f"Partner {number} nicht gefunden.")
    ref = (await partner_refs(session, [partner]))[partner.id]
    if not (principal.can(Action.VIEW, ref) or principal.can(Action.ENTER, ref)):
        raise NotFoundException(f"Partner {number} nicht gefunden.")
    if not principal.can(action, ref):
        raise PermissionDeniedException(f"Sie dürfen für Partner {number} keine Zahlen {_VERBS[action]}.")
    return partner


_VERBS = {Action.VIEW: "sehen", Action.ENTER: "erfassen"}


def _answer(partner: Partner, month: date, values: dict[str, float]) -> dict[str, Any]:
    # Derived KPIs join "kpis" with the KPI engine; until then it holds the entered metrics.
    return {"partner": partner.number, "period": format_month(month), "values": values, "kpis": dict(values)}


@get("/api/v1/metrics", tags=["Kennzahlen"])
async def list_metrics(request: PartnerRequest) -> list[dict[str, Any]]:
    db: Database = request.app.state.db
    async with db.read() as session:
        metrics = (await session.scalars(select(Metric).where(Metric.active).order_by(Metric.position))).all()
    return [
        {"key": m.key, "labels": {"de": m.label_de, "en": m.label_en}, "unit": m.unit, "domain": m.domain,
         "kind": m.kind, "time_kind": m.time_kind, "formula": m.formula, "better": m.better,
         "decimals": m.decimals, "sensitive": m.sensitive}
        for m in metrics
    ]


@get("/api/v1/partners/{partner_no:int}/figures/{period:str}", tags=["Zahlen"])
async def get_figures(request: PartnerRequest, partner_no: int, period: str) -> dict[str, Any]:
    month = _month(period)
    async with request.app.state.db.read() as session:
        partner = await _partner_for(session, request.user, partner_no, Action.VIEW)
        values = await month_values(session, partner, month)
    return _answer(partner, month, values)


@put("/api/v1/partners/{partner_no:int}/figures/{period:str}", tags=["Zahlen"])
async def put_figures(request: PartnerRequest, partner_no: int, period: str, data: dict[str, Any]) -> dict[str, Any]:
    month = _month(period)
    db: Database = request.app.state.db
    try:
        async with db.transaction() as session:
            partner = await _partner_for(session, request.user, partner_no, Action.ENTER)
            await store_month(session, partner, month, data, by_user_id=request.user.user_id, source="api",
                              today=date.today())
            values = await month_values(session, partner, month)
    except InvalidFigures as exc:
        raise ValidationException(
            "Ungültige Werte: " + ", ".join(e.field for e in exc.errors) + " (nichts gespeichert)",
            extra=[{"key": e.field, "message": e.message} for e in exc.errors],
        ) from exc
    answer = _answer(partner, month, values)
    publisher: Publisher = request.app.state.publisher
    await publisher.kpi_own(partner.id, partner.number, answer["period"], answer["kpis"])
    return answer


ROUTES = [list_metrics, get_figures, put_figures]
