"""One group's benchmark as a user sees it: released figures, own value, place, change and target."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar.datastructures import State
from litestar.exceptions import NotFoundException

from app.auth.permissions import Action, PartnerRef, Principal
from app.auth.principals import territory_paths
from app.benchmark.data import exposures, metric_info, span_targets
from app.benchmark.live import engine_of
from app.benchmark.release import public_cell, released
from app.benchmark.service import partner_kpis_with_prior
from app.models import Partner
from app.network.groups import groups_with_members
from app.network.visibility import visible_groups
from kpi.benchmark import Engine
from kpi.months import format_month, month_of
from kpi.periods import SPAN_LABELS, Span, is_complete, span_months
from kpi.stats import change_in
from kpi.targets import attainment
from kpi.variants import Basis


class FuturePeriod(ValueError):
    pass


async def _targets(state: State, engine: Engine, partner: Partner, month: date, span: Span) -> dict[str, float]:
    async with state.db.read() as session:
        return await span_targets(session, engine, partner.id, span_months(span, month))


def _attained(value: float | None, target: float | None, better: str | None) -> float | None:
    """Attainment in %, direction-aware (kpi.targets.attainment), rounded; None without both."""
    if value is None or target is None:
        return None
    share = attainment(value, target, better)
    return None if math.isnan(share) else round(share, 1)


async def benchmark_for(
    state: State,
    principal: Principal,
    group: int,
    month: date,
    span: Span,
    *,
    variants: bool = False,
    subject: Partner | None = None,
) -> dict[str, Any]:
    """Per KPI the group figures the caller may see (hidden cells say why), and the own value, rank, percentile.

    `variants`: also the charts' per-employee and share-of-revenue views of amounts
    (kpi.variants), each marked with `variant_of`. `subject`: the partner whose figures a
    Zentrale user looks at (app.analysis.subject checked the scope); its values, place and
    targets then stand where a partner's user sees its own, each only where the user's grants
    cover that partner in every domain the KPI is computed from.
    """
    if month > month_of(date.today()):
        raise FuturePeriod(f"{format_month(month)} liegt in der Zukunft.")
    engine = await engine_of(state)
    open_month = month_of(date.today())
    async with state.db.read() as session:
        visible = {g.id for g, _ in await visible_groups(session, principal)}
        found = next(((g, m) for g, m in await groups_with_members(session) if g.id == group and g.id in visible), None)
        own = subject or (await session.get(Partner, principal.partner_id) if principal.partner_id else None)
        ref = PartnerRef(subject.id, (await territory_paths(session))[subject.territory_id]) if subject else None
        own_kpis, own_prior = await partner_kpis_with_prior(session, engine, own, month, span) if own else ({}, {})
        metrics = await metric_info(session)
        if found is None:
            raise NotFoundException(f"Vergleichsgruppe {group} nicht gefunden.")
        group_row, members = found
        record = await released(session, engine, group_row, members, month, span, variants=variants)
    unfinished = None if is_complete(span, month, open_month) else _unfinished(span, month)
    targets = await _targets(state, engine, own, month, span) if own else {}
    action = Action.BENCHMARK if principal.is_partner_user else Action.VIEW
    exposure = exposures(engine, metrics)
    kpis: dict[str, Any] = {}
    for key, cell in record.cells.items():
        variant = engine.variants.get(key)
        if variant is not None and not variants:
            continue
        metric = metrics.get(variant.base if variant else key)
        # A KPI shows what it is computed from: every input's domain must be visible (DSO reveals revenue).
        if metric is None or not all(principal.may(action, d) for d in exposure[key].domains):
            continue
        sensitive = exposure[key].sensitive
        # A chosen partner's value only where the grants cover it in each domain; the group figures stay.
        covered = own is not None and (ref is None or all(principal.can(action, ref, d) for d in exposure[key].domains))
        value, before = (own_kpis.get(key), own_prior.get(key)) if covered else (None, None)
        better = engine.metrics[key].better if variant else metric.better
        place = record.place(engine, key, own.id) if own and covered and not sensitive else None
        unit = ("%" if variant.basis is Basis.SHARE else metric.unit) if variant else metric.unit
        growth, growth_unit = (
            change_in(unit, value, before) if value is not None and before is not None else (math.nan, "")
        )
        target = targets.get(key) if covered else None
        kpis[key] = {
            **(public_cell(cell, sensitive) if unfinished is None else {"hidden": unfinished}),
            "label": engine.metrics[key].label if variant else metric.label_de,
            "unit": unit,
            "own": value,
            "rank": place.rank if place else None,
            "percentile": None if place is None or math.isnan(place.percentile) else round(place.percentile, 1),
            "own_prior_year": before,
            "change": None if math.isnan(growth) else round(growth, 2),
            "change_unit": growth_unit,
            "target": target,
            "attainment": _attained(value, target, engine.metrics[key].better if key in engine.metrics else None),
        }
        if variant:
            kpis[key].update(variant_of=variant.base, basis=variant.basis.value, better=better)
    return {
        "group": group,
        "group_name": group_row.name,
        "period": format_month(month),
        "span": span.value,
        "released_at": record.computed_at.isoformat(),
        "partner": own.number if own else None,
        "kpis": kpis,
    }


async def sees_values_of(state: State, principal: Principal, subject: Partner, key: str) -> bool:
    """Whether a Zentrale user's grants cover this partner in every domain the KPI is computed from."""
    engine = await engine_of(state)
    async with state.db.read() as session:
        metrics = await metric_info(session)
        paths = await territory_paths(session)
    exposure = exposures(engine, metrics).get(key)
    ref = PartnerRef(subject.id, paths[subject.territory_id])
    return exposure is not None and all(principal.can(Action.VIEW, ref, d) for d in exposure.domains)


def _unfinished(span: Span, month: date) -> str:
    last = span_months(span, month)[-1]
    return (
        f"Zeitraum noch nicht abgeschlossen: {SPAN_LABELS[span]} bis {last:%m/%Y}; "
        "Gruppenwerte gibt es, wenn alle Monate gemeldet werden konnten."
    )


@dataclass(frozen=True)
class GroupMonth:
    """One month's group figures of a KPI as released to a user (None where hidden or missing)."""

    median: float | None
    q1: float | None
    q3: float | None


async def released_course(
    state: State, principal: Principal, group: int, months: list[date], key: str
) -> list[GroupMonth]:
    """The group median and quartiles of one KPI month by month, as released to this user."""
    engine = await engine_of(state)
    past = [m for m in months if m <= month_of(date.today())]  # a future month has no figures to release
    nothing = GroupMonth(None, None, None)
    async with state.db.read() as session:
        visible = {g.id for g, _ in await visible_groups(session, principal)}
        found = next(((g, m) for g, m in await groups_with_members(session) if g.id == group and g.id in visible), None)
        if found is None:
            raise NotFoundException(f"Vergleichsgruppe {group} nicht gefunden.")
        metrics = await metric_info(session)
        action = Action.BENCHMARK if principal.is_partner_user else Action.VIEW
        exposure = exposures(engine, metrics)
        if key not in exposure or not all(principal.may(action, d) for d in exposure[key].domains):
            return [nothing] * len(months)
        group_row, members = found
        cells = {m: (await released(session, engine, group_row, members, m, Span.MONTH)).cells.get(key) for m in past}
    sensitive = exposure[key].sensitive
    course = []
    for m in months:
        cell = public_cell(cells.get(m) or {}, sensitive)
        shown = not cell.get("hidden")
        course.append(GroupMonth(*(cell.get(f) if shown else None for f in ("median", "q1", "q3"))))
    return course
