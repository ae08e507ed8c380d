"""Target pages: the Zentrale sets a partner's targets of a year; the managing director sees and confirms them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.middleware import requires
from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.benchmark.live import engine_of
from app.events import TargetsProposed
from app.figures.access import partner_for
from app.models import Metric, Partner
from app.targets.service import (
    MONTH_KEYS,
    InvalidTargets,
    PlanView,
    agree_targets,
    check_year,
    history_of,
    planned,
    plans_of,
    prior_year,
    save_targets,
    summed,
    targetable,
)
from app.web.domains import DOMAIN_TITLES
from app.web.forms import FormBody, raw, text, values
from app.web.numbers import parse_de
from kpi.benchmark import Engine
from kpi.targets import yearly_of

TargetsRequest = Request[Principal, Any, State]


def may_plan(principal: Principal) -> bool:
    return not principal.is_partner_user and principal.may(Action.PLAN)


def may_agree(principal: Principal) -> bool:
    return principal.is_partner_user and principal.may(Action.AGREE)


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    unit: str
    domain: str
    summed: bool
    plan: PlanView | None
    prior: float | None  # the prior year's actual (sum or mean of its months)


async def _lines(
    session: AsyncSession, engine: Engine, principal: Principal, partner: Partner, year: int
) -> list[Line]:
    ref = (await partner_refs(session, [partner]))[partner.id]
    allowed = targetable(engine)
    metrics = [
        m
        for m in await session.scalars(select(Metric).where(Metric.active).order_by(Metric.position))
        if m.key in allowed and principal.can(Action.PLAN, ref, m.domain)
    ]
    plans = {p.key: p for p in await plans_of(session, engine, partner, year)}
    prior = await prior_year(session, engine, partner, year)
    out = []
    for m in metrics:
        months = prior.get(m.key, [])
        complete = len(months) == 12 and all(v == v for v in months)
        out.append(
            Line(
                m.key,
                m.label_de,
                m.unit,
                m.domain,
                summed(engine, m.key),
                plans.get(m.key),
                yearly_of(months, summed(engine, m.key)) if complete else None,
            )
        )
    return sorted(out, key=lambda line: line.plan is None)  # metrics with a target first


def _read_form(form: dict[str, Any], lines: list[Line]) -> tuple[dict[str, float | list[float]], dict[str, str]]:
    """Per metric: the yearly value, or (mode "monate") the twelve months; empty fields leave it as it is."""
    targets: dict[str, float | list[float]] = {}
    errors: dict[str, str] = {}
    for line in lines:
        try:
            if raw(form, f"mode_{line.key}") == "monate":
                cells = [text(form, f"m_{line.key}_{m}", 30) for m in MONTH_KEYS]
                if any(cells):
                    if not all(cells):
                        raise ValueError("Bitte alle zwölf Monate ausfüllen.")
                    targets[line.key] = [parse_de(c) for c in cells]
            elif yearly := text(form, f"y_{line.key}", 30):
                value = parse_de(yearly)
                # The form shows every stored yearly value: sent back unchanged, it is not phased anew
                # (a corrected prior year would otherwise move the months and reopen an agreed target).
                if line.plan is None or line.plan.typed_per_month or round(line.plan.yearly, 2) != value:
                    targets[line.key] = value
        except ValueError as exc:
            errors[line.key] = f"{line.label}: {exc}"
    return targets, errors


async def _form(
    request: TargetsRequest,
    partner_no: int,
    year: int,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    engine = await engine_of(request.app.state)
    async with request.app.state.db.read() as session:
        partner = await partner_for(session, request.user, partner_no, Action.PLAN)
        lines = await _lines(session, engine, request.user, partner, year)
        history = await history_of(session, partner, year)
    return Template(
        "targets/form.html",
        status_code=status_code,
        context={
            "partner": partner,
            "year": year,
            "lines": lines,
            "domains": DOMAIN_TITLES,
            "months": MONTH_KEYS,
            "errors": errors or {},
            "form": form or {},
            "history": history[:30],
        },
    )


@get("/zentrale/ziele/partner/{partner_no:int}/{year:int}", guards=[requires(may_plan)], include_in_schema=False)
async def targets_form(request: TargetsRequest, partner_no: FromPath[int], year: FromPath[int]) -> Template:
    if not date.today().year - 5 <= year <= date.today().year + 5:
        raise NotFoundException("Für dieses Jahr gibt es keine Ziele.")
    return await _form(request, partner_no, year)


@post(
    "/zentrale/ziele/partner/{partner_no:int}/{year:int}",
    guards=[requires(may_plan)],
    include_in_schema=False,
    status_code=200,
)
async def targets_save(
    request: TargetsRequest, partner_no: FromPath[int], year: FromPath[int], data: FormBody
) -> Template | Redirect:
    engine = await engine_of(request.app.state)
    try:
        check_year(year, date.today())
        async with request.app.state.db.transaction() as session:
            partner = await partner_for(session, request.user, partner_no, Action.PLAN)
            lines = await _lines(session, engine, request.user, partner, year)
            targets, errors = _read_form(data, lines)
            if errors:
                raise InvalidTargets(errors)
            if not targets:
                raise InvalidTargets({"targets": "Bitte mindestens ein Ziel eintragen."})
            plans = await planned(session, engine, partner, year, targets)
            note = text(data, "note", 400)
            changed = await save_targets(session, request.user, partner, year, plans, note=note)
    except InvalidTargets as exc:
        return await _form(request, partner_no, year, exc.errors, data, 400)
    if changed:
        await request.app.state.events.publish(TargetsProposed(partner.id, year, changed))
    flash(
        request,
        f"{changed} Ziel(e) gespeichert; die Geschäftsführung des Partners bestätigt sie im Portal."
        if changed
        else "Keine Änderung: die Ziele waren schon so gespeichert.",
        category="success",
    )
    return Redirect(f"/zentrale/ziele/partner/{partner_no}/{year}", status_code=303)


@get("/ziele", guards=[requires(may_agree)], include_in_schema=False)
async def own_targets(request: TargetsRequest, jahr: FromQuery[int | None] = None) -> Template:
    """The managing director's view of the own business's targets, with the button to confirm them."""
    year = jahr if jahr and abs(jahr - date.today().year) <= 5 else date.today().year
    engine = await engine_of(request.app.state)
    async with request.app.state.db.read() as session:
        partner = await partner_for(session, request.user, request.user.partner_number or 0, Action.AGREE)
        plans = await plans_of(session, engine, partner, year)
        history = await history_of(session, partner, year)
    return Template(
        "targets/own.html",
        context={
            "partner": partner,
            "year": year,
            "years": [date.today().year - 1, date.today().year, date.today().year + 1],
            "plans": plans,
            "open": [p for p in plans if p.state != "agreed"],
            "months": MONTH_KEYS,
            "history": history[:30],
        },
    )


@post("/ziele/{year:int}/bestaetigen", guards=[requires(may_agree)], include_in_schema=False, status_code=200)
async def confirm_targets(request: TargetsRequest, year: FromPath[int], data: FormBody) -> Redirect:
    keys = values(data, "metrics") or None
    try:
        async with request.app.state.db.transaction() as session:
            partner = await partner_for(session, request.user, request.user.partner_number or 0, Action.AGREE)
            agreed = await agree_targets(session, request.user, partner, year, keys, None)
    except InvalidTargets as exc:
        flash(request, str(exc), category="error")
        return Redirect(f"/ziele?jahr={year}", status_code=303)
    flash(request, f"{agreed} Ziel(e) bestätigt." if agreed else "Es war kein Ziel offen.", category="success")
    return Redirect(f"/ziele?jahr={year}", status_code=303)


ROUTES = [targets_form, targets_save, own_targets, confirm_targets]
