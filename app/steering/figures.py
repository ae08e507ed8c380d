"""Partner figures for the Zentrale: one data domain across partners, and one partner across domains.

Each value shows only where the user may view that partner's data in the KPI's own domain (the
catalogue puts DSO with receivables, though it is computed with revenue; issue 25).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, PartnerRef, Principal
from app.auth.principals import partner_refs
from app.benchmark.data import Exposure, exposures, load_cube, metric_info, span_targets
from app.models import Metric, Partner, Territory
from app.network.visibility import active_partners
from kpi.benchmark import Engine
from kpi.periods import Span, prior_year, span_months
from kpi.stats import change_in
from kpi.targets import attainment


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str
    decimals: int
    domains: frozenset[str]


@dataclass(frozen=True)
class PartnerLine:
    partner: Partner
    territory: str
    values: dict[str, float | None]  # a KPI the user may not see for this partner is missing


def _sees(principal: Principal, ref: PartnerRef, domains: frozenset[str]) -> bool:
    return all(principal.can(Action.VIEW, ref, d) for d in domains)


def _columns(metrics: dict[str, Metric], exposure: dict[str, Exposure], keys: Sequence[str]) -> list[Column]:
    return [
        Column(k, metrics[k].label_de, metrics[k].unit, metrics[k].decimals, exposure[k].domains)
        for k in sorted(keys, key=lambda k: metrics[k].position)
    ]


async def _values(
    session: AsyncSession, engine: Engine, partners: list[Partner], month: date, span: Span
) -> dict[str, list[float]]:
    months = span_months(span, month)
    cube = await load_cube(session, partners, months, sorted(engine.catalogue.base_keys))
    return {k: [float(x) for x in v] for k, v in engine.values(cube, span, month).items()}


async def domain_view(
    session: AsyncSession,
    engine: Engine,
    principal: Principal,
    domain: str,
    month: date,
    span: Span,
    territory: str | None = None,
) -> tuple[list[Column], list[PartnerLine], list[Column]]:
    """The domain's KPIs per partner the user may view there (optionally within one territory).

    Also returns the domain's KPIs left out because they rest on a domain the user may not see.
    """
    metrics = await metric_info(session)
    exposure = exposures(engine, metrics)
    in_domain = [k for k, m in metrics.items() if m.domain == domain]
    withheld = [k for k in in_domain if not all(principal.may(Action.VIEW, d) for d in exposure[k].domains)]
    columns = _columns(metrics, exposure, [k for k in in_domain if k not in withheld])
    partners = await active_partners(session)
    refs = await partner_refs(session, partners)
    shown = [
        p
        for p in partners
        if principal.can(Action.VIEW, refs[p.id], domain)
        and (territory is None or territory in refs[p.id].territory_path)
    ]
    names = {t.id: t.name for t in await session.scalars(select(Territory))}
    values = await _values(session, engine, shown, month, span) if shown else {}
    lines = [
        PartnerLine(
            p,
            names[p.territory_id],
            {
                c.key: None if math.isnan(values[c.key][i]) else values[c.key][i]
                for c in columns
                if _sees(principal, refs[p.id], c.domains)
            },
        )
        for i, p in enumerate(shown)
    ]
    return columns, lines, _columns(metrics, exposure, withheld)


@dataclass(frozen=True)
class KpiLine:
    column: Column
    domain: str
    value: float | None
    prior: float | None
    change: float | None
    target: float | None
    attainment: float | None
    change_unit: str = "%"  # kpi.stats.change_in


async def partner_view(
    session: AsyncSession, engine: Engine, principal: Principal, partner: Partner, month: date, span: Span
) -> list[KpiLine]:
    """Every KPI of the partner the user may see, with the prior year and the target, by domain."""
    metrics = await metric_info(session)
    exposure = exposures(engine, metrics)
    ref = (await partner_refs(session, [partner]))[partner.id]
    visible = [k for k in metrics if _sees(principal, ref, exposure[k].domains)]
    current = await _values(session, engine, [partner], month, span)
    before = await _values(session, engine, [partner], prior_year(month), span)
    targets = await span_targets(session, engine, partner.id, span_months(span, month))
    lines = []
    for column in _columns(metrics, exposure, visible):
        value, prior = current[column.key][0], before[column.key][0]
        growth, growth_unit = change_in(metrics[column.key].unit, value, prior)
        target = targets.get(column.key)
        lines.append(
            KpiLine(
                column,
                metrics[column.key].domain,
                None if math.isnan(value) else value,
                None if math.isnan(prior) else prior,
                None if math.isnan(growth) else growth,
                target,
                _attained(value, target, engine.metrics[column.key].better if column.key in engine.metrics else None),
                growth_unit,
            )
        )
    return lines


def _attained(value: float, target: float | None, better: str | None) -> float | None:
    share = attainment(value, target, better) if target is not None else math.nan
    return None if math.isnan(share) else share
