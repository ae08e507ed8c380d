"""Setting, agreeing and reading a partner's targets for a year.

A target is given per metric as a yearly value (phased over the months by the partner's
prior-year seasonality, kpi.targets) or as twelve monthly values. Its plan moves
proposed -> agreed (by the partner's managing director) -> revised (changed after agreement)
-> agreed ...; every version is a revision row, every change an audit event.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import record
from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.benchmark.data import load_cube
from app.models import Metric, Partner, Target, TargetPlan, TargetPlanRevision, utcnow
from kpi.benchmark import Engine
from kpi.targets import MONTHS, is_summed, phase, seasonality, yearly_of

MONTH_KEYS = tuple(f"{m:02d}" for m in range(1, MONTHS + 1))
LIMIT = 1e12
STATE_LABELS = {"proposed": "vorgeschlagen", "agreed": "vereinbart", "revised": "geändert, neu zu bestätigen"}


class InvalidTargets(Exception):
    """Targets refused, per metric key (or "year"); nothing was stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Planned:
    key: str
    months: list[float]
    yearly: float | None  # what it was phased from; None if typed per month


@dataclass(frozen=True)
class PlanView:
    key: str
    label: str
    unit: str
    domain: str
    state: str
    months: list[float]
    yearly: float
    typed_per_month: bool
    version: int
    changed_at: datetime
    agreed_at: datetime | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def targetable(engine: Engine) -> dict[str, Any]:
    """The metrics a target can be set for: those of the catalogue with a direction."""
    return {k: m for k, m in engine.metrics.items() if m.better in ("higher", "lower")}


def summed(engine: Engine, key: str) -> bool:
    """Whether the metric adds up (derived KPIs have no time kind of their own: only their terms count)."""
    kinds = {k: m.time_kind or "" for k, m in engine.metrics.items()}
    return is_summed(key, kinds, engine.base_terms)


def check_year(year: int, today: date) -> None:
    if not today.year - 5 <= year <= today.year + 5:
        raise InvalidTargets({"year": f"Ziele gibt es für die Jahre {today.year - 5} bis {today.year + 5}."})


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and abs(number) < LIMIT else None


def read_targets(body: Mapping[str, Any], engine: Engine) -> dict[str, float | list[float]]:
    """The request's targets: per metric key a yearly number or twelve monthly ones ("01".."12")."""
    allowed = targetable(engine)
    errors: dict[str, str] = {}
    found: dict[str, float | list[float]] = {}
    for key, value in body.items():
        if key not in allowed:
            known = "unbekannte Kennzahl" if key not in engine.metrics else "Kennzahl ohne Richtung (kein Ziel möglich)"
            errors[key] = f"„{key}“: {known}."
        elif isinstance(value, Mapping):
            months = [_number(value.get(m)) for m in MONTH_KEYS]
            if set(value) != set(MONTH_KEYS) or any(v is None for v in months):
                errors[key] = f"„{key}“: bitte alle zwölf Monate „01“ bis „12“ als Zahl angeben."
            else:
                found[key] = [v for v in months if v is not None]
        elif (number := _number(value)) is None:
            errors[key] = f"„{key}“: ein Jahreswert als Zahl oder zwölf Monatswerte."
        else:
            found[key] = number
    if not body:
        errors["targets"] = "Keine Ziele angegeben."
    if errors:
        raise InvalidTargets(errors)
    return found


async def prior_year(session: AsyncSession, engine: Engine, partner: Partner, year: int) -> dict[str, list[float]]:
    """Every metric's twelve values of the year before `year` (NaN where not reported)."""
    months = [date(year - 1, m, 1) for m in range(1, MONTHS + 1)]
    cube = await load_cube(session, [partner], months, sorted(engine.catalogue.base_keys))
    return {key: [float(v) for v in series[0]] for key, series in engine.series(cube, months).items()}


async def planned(
    session: AsyncSession, engine: Engine, partner: Partner, year: int, targets: Mapping[str, float | list[float]]
) -> list[Planned]:
    """Monthly targets: yearly values phased by the partner's prior year (evenly where it is incomplete)."""
    prior = (
        await prior_year(session, engine, partner, year) if any(isinstance(v, float) for v in targets.values()) else {}
    )
    out = []
    for key, value in targets.items():
        if isinstance(value, list):
            out.append(Planned(key, [round(v, 2) for v in value], None))
        else:
            out.append(Planned(key, phase(value, summed(engine, key), seasonality(prior.get(key, []))), value))
    return out


async def save_targets(
    session: AsyncSession,
    principal: Principal,
    partner: Partner,
    year: int,
    plans: list[Planned],
    *,
    note: str = "",
    client: str | None = None,
) -> int:
    """Store the plans the principal may set; returns how many changed (an unchanged plan keeps its state)."""
    metrics = {m.key: m for m in await session.scalars(select(Metric).where(Metric.key.in_([p.key for p in plans])))}
    ref = (await partner_refs(session, [partner]))[partner.id]
    denied = [p.key for p in plans if not principal.can(Action.PLAN, ref, metrics[p.key].domain)]
    if denied:
        raise InvalidTargets({key: f"„{key}“: Ziele dieses Bereichs dürfen Sie nicht vorgeben." for key in denied})
    existing = {
        plan.metric_id: plan
        for plan in await session.scalars(
            select(TargetPlan).where(TargetPlan.partner_id == partner.id, TargetPlan.year == year)
        )
    }
    changed = 0
    for item in plans:
        metric = metrics[item.key]
        plan = existing.get(metric.id)
        if plan is not None and await _months_of(session, plan) == item.months and plan.yearly == item.yearly:
            continue
        changed += 1
        if plan is None:
            plan = TargetPlan(partner_id=partner.id, metric_id=metric.id, year=year, state="proposed", version=0)
            session.add(plan)
        plan.state = "revised" if plan.state in ("agreed", "revised") else "proposed"
        plan.yearly, plan.version = item.yearly, plan.version + 1
        plan.changed_by_id, plan.changed_at = principal.user_id, utcnow()
        plan.agreed_by_id, plan.agreed_at = None, None
        await session.flush()
        _revise(session, plan, item.months, principal.user_id, note)
        await _store_months(session, partner.id, metric.id, year, item.months, principal.user_id)
        record(
            session,
            principal.user_id,
            "targets.set",
            object_type="partner",
            object_id=str(partner.number),
            client=client,
            metric=item.key,
            year=year,
            state=plan.state,
            version=plan.version,
            yearly=item.yearly,
        )
    return changed


def _revise(session: AsyncSession, plan: TargetPlan, months: list[float], by: int, note: str) -> None:
    """The plan as it now stands, appended to its history."""
    session.add(
        TargetPlanRevision(
            plan_id=plan.id,
            version=plan.version,
            state=plan.state,
            yearly=plan.yearly,
            months=months,
            by_id=by,
            note=note[:400],
        )
    )


async def _store_months(
    session: AsyncSession, partner_id: int, metric_id: int, year: int, months: list[float], by: int
) -> None:
    await session.execute(
        delete(Target).where(
            Target.partner_id == partner_id,
            Target.metric_id == metric_id,
            Target.month.in_([date(year, m, 1) for m in range(1, MONTHS + 1)]),
        )
    )
    session.add_all(
        Target(partner_id=partner_id, metric_id=metric_id, month=date(year, m + 1, 1), value=v, set_by_id=by)
        for m, v in enumerate(months)
    )


async def _months_of(session: AsyncSession, plan: TargetPlan) -> list[float]:
    latest = await session.scalar(
        select(TargetPlanRevision.months)
        .where(TargetPlanRevision.plan_id == plan.id)
        .order_by(TargetPlanRevision.version.desc(), TargetPlanRevision.id.desc())
        .limit(1)
    )
    return [float(v) for v in latest or []]


async def agree_targets(
    session: AsyncSession, principal: Principal, partner: Partner, year: int, keys: list[str] | None, client: str | None
) -> int:
    """The managing director confirms the open (proposed or revised) plans of the year; returns how many."""
    ref = (await partner_refs(session, [partner]))[partner.id]
    if not principal.can(Action.AGREE, ref):
        raise InvalidTargets({"targets": "Ziele bestätigt die Geschäftsführung des Partners."})
    rows = await session.execute(
        select(TargetPlan, Metric.key)
        .join(Metric, Metric.id == TargetPlan.metric_id)
        .where(TargetPlan.partner_id == partner.id, TargetPlan.year == year, TargetPlan.state != "agreed")
    )
    agreed = 0
    for plan, key in rows:
        if keys is not None and key not in keys:
            continue
        months = await _months_of(session, plan)
        plan.state, plan.agreed_by_id, plan.agreed_at = "agreed", principal.user_id, utcnow()
        _revise(session, plan, months, principal.user_id, "bestätigt")
        record(
            session,
            principal.user_id,
            "targets.agreed",
            object_type="partner",
            object_id=str(partner.number),
            client=client,
            metric=key,
            year=year,
            version=plan.version,
        )
        agreed += 1
    return agreed


async def plans_of(session: AsyncSession, engine: Engine, partner: Partner, year: int) -> list[PlanView]:
    """The partner's plans of the year in catalogue order."""
    rows = await session.execute(
        select(TargetPlan, Metric)
        .join(Metric, Metric.id == TargetPlan.metric_id)
        .where(TargetPlan.partner_id == partner.id, TargetPlan.year == year)
        .order_by(Metric.position)
    )
    out = []
    for plan, metric in rows:
        months = await _months_of(session, plan)
        out.append(
            PlanView(
                metric.key,
                metric.label_de,
                metric.unit,
                metric.domain,
                plan.state,
                months,
                plan.yearly if plan.yearly is not None else yearly_of(months, summed(engine, metric.key)),
                plan.yearly is None,
                plan.version,
                plan.changed_at,
                plan.agreed_at,
            )
        )
    return out


async def history_of(session: AsyncSession, partner: Partner, year: int) -> list[tuple[str, TargetPlanRevision]]:
    rows = await session.execute(
        select(Metric.label_de, TargetPlanRevision)
        .join(TargetPlan, TargetPlan.id == TargetPlanRevision.plan_id)
        .join(Metric, Metric.id == TargetPlan.metric_id)
        .where(TargetPlan.partner_id == partner.id, TargetPlan.year == year)
        .order_by(TargetPlanRevision.at.desc(), TargetPlanRevision.id.desc())
    )
    return [(label, revision) for label, revision in rows]
