"""`/api/v1/partners/{nr}/targets/{YYYY}`: a partner's targets of a year (shared/CONTRACT.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.benchmark.live import engine_of
from app.events import TargetsProposed
from app.figures.access import partner_for
from app.models import Partner
from app.targets.service import (
    MONTH_KEYS,
    InvalidTargets,
    agree_targets,
    check_year,
    planned,
    plans_of,
    read_targets,
    save_targets,
)
from app.web.api_input import InvalidInput
from app.web.forms import client_of
from kpi.benchmark import Engine

TargetsRequest = Request[Principal, Any, State]


def _refused(exc: InvalidTargets) -> InvalidInput:
    return InvalidInput(str(exc), extra=[{"key": key, "message": message} for key, message in exc.errors.items()])


async def _answer(session: AsyncSession, engine: Engine, principal: Principal, partner: Partner, year: int) -> Any:
    ref = (await partner_refs(session, [partner]))[partner.id]
    return {
        plan.key: {
            "months": dict(zip(MONTH_KEYS, plan.months, strict=True)),
            "state": plan.state,
            "yearly": plan.yearly,
            "version": plan.version,
        }
        for plan in await plans_of(session, engine, partner, year)
        if any(principal.can(action, ref, plan.domain) for action in (Action.VIEW, Action.PLAN, Action.AGREE))
    }


@get("/api/v1/partners/{partner_no:int}/targets/{year:int}", tags=["Ziele"])
async def get_targets(request: TargetsRequest, partner_no: FromPath[int], year: FromPath[int]) -> dict[str, Any]:
    """Per metric the twelve monthly targets and the plan's state (proposed, agreed, revised)."""
    engine = await engine_of(request.app.state)
    async with request.app.state.db.read() as session:
        partner = await partner_for(session, request.user, partner_no, Action.VIEW, Action.PLAN, Action.AGREE)
        answer: dict[str, Any] = await _answer(session, engine, request.user, partner, year)
    return answer


@put("/api/v1/partners/{partner_no:int}/targets/{year:int}", tags=["Ziele"])
async def put_targets(
    request: TargetsRequest, partner_no: FromPath[int], year: FromPath[int], data: JSONBody[dict[str, Any]]
) -> dict[str, Any]:
    """Set targets: `{"metric_key": yearly_value}` (phased by the partner's prior-year seasonality)
    or `{"metric_key": {"01": v, ..., "12": v}}`. A changed agreed target becomes "revised"; an
    unknown metric or a bad value is answered 422 naming it, and nothing is stored."""
    engine = await engine_of(request.app.state)
    try:
        check_year(year, date.today())
        targets = read_targets(data, engine)
        async with request.app.state.db.transaction() as session:
            partner = await partner_for(session, request.user, partner_no, Action.PLAN)
            plans = await planned(session, engine, partner, year, targets)
            changed = await save_targets(session, request.user, partner, year, plans, client=client_of(request))
    except InvalidTargets as exc:
        raise _refused(exc) from exc
    if changed:
        await request.app.state.events.publish(TargetsProposed(partner.id, year, changed))
    async with request.app.state.db.read() as session:
        answer: dict[str, Any] = await _answer(session, engine, request.user, partner, year)
    return answer


@post("/api/v1/partners/{partner_no:int}/targets/{year:int}/agreement", tags=["Ziele"], status_code=200)
async def agree_to_targets(
    request: TargetsRequest, partner_no: FromPath[int], year: FromPath[int], data: JSONBody[list[str] | None] = None
) -> dict[str, Any]:
    """The partner's managing director confirms the year's open targets (all, or the metric keys given)."""
    engine = await engine_of(request.app.state)
    try:
        async with request.app.state.db.transaction() as session:
            partner = await partner_for(session, request.user, partner_no, Action.AGREE)
            await agree_targets(session, request.user, partner, year, data, client_of(request))
    except InvalidTargets as exc:
        raise _refused(exc) from exc
    async with request.app.state.db.read() as session:
        answer: dict[str, Any] = await _answer(session, engine, request.user, partner, year)
    return answer


ROUTES = [get_targets, put_targets, agree_to_targets]
