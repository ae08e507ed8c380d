"""Actuals and targets of the partners a user may see, per partner and rolled up the territory tree.

Every figure says what it sums: a node counts the partners with an actual and a target for the
span, lists the others with the reason (a month not reported, no target), and says when the
reader sees only part of the node (a territory manager's view of the whole network).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, PartnerRef, Principal
from app.auth.principals import partner_refs
from app.benchmark.data import load_cube
from app.models import Metric, Partner, Target, TargetPlan, Territory
from app.network.visibility import active_partners
from kpi.benchmark import Engine
from kpi.months import format_month
from kpi.periods import Span, span_months
from kpi.rollup import Node, RollUp, roll_up
from kpi.targets import attainment, is_summed


@dataclass(frozen=True)
class Missing:
    partner: Partner
    reason: str


@dataclass(frozen=True)
class TreeRow:
    territory: Territory
    depth: int
    rollup: RollUp
    visible: int  # partners below the node the reader may see
    total: int  # active partners below the node
    missing: list[Missing]  # visible partners not counted, with the reason

    @property
    def partial(self) -> bool:
        return self.visible < self.total


@dataclass(frozen=True)
class PartnerRow:
    partner: Partner
    territory: str
    actual: float | None
    target: float | None
    attainment: float | None
    state: str | None  # the target plan's state for the year
    missing: str | None  # why the partner is not counted


@dataclass(frozen=True)
class Steering:
    tree: list[TreeRow]
    partners: list[PartnerRow]
    summed: bool
    better: str | None


def _reason(missing_months: list[date], target: float | None, year: int) -> str | None:
    if missing_months:
        listed = ", ".join(format_month(m) for m in missing_months[:3])
        more = f" und {len(missing_months) - 3} weitere" if len(missing_months) > 3 else ""
        return f"nicht gemeldet: {listed}{more}"
    if target is None:
        return f"kein Ziel für {year}"
    return None


async def steering(
    session: AsyncSession,
    engine: Engine,
    principal: Principal,
    key: str,
    month: date,
    span: Span,
    territory: str | None = None,
) -> Steering:
    """The roll-up tree of every territory with visible partners, and the partners (of `territory`, if given)."""
    partners = await active_partners(session)
    refs = await partner_refs(session, partners)
    metric = await session.scalar(select(Metric).where(Metric.key == key))
    domain = metric.domain if metric else "sales"
    info = engine.metrics[key]
    summed = is_summed(key, {k: m.time_kind or "" for k, m in engine.metrics.items()}, engine.base_terms)
    visible = [p for p in partners if principal.can(Action.VIEW, refs[p.id], domain)]
    months = span_months(span, month)
    # The one metric's inputs only: a tenth of the figures of all metrics.
    cube = await load_cube(session, visible, months, engine.inputs_of(key))
    actual_vector = engine.values(cube, span, month, only=key)[key]
    monthly = engine.series(cube, months, only=key)[key]
    actuals = dict(zip((p.id for p in visible), actual_vector.tolist(), strict=True))
    holes = np.isnan(monthly)
    gaps: dict[int, list[date]] = {
        visible[i].id: [months[j] for j in np.flatnonzero(holes[i])] for i in np.flatnonzero(holes.any(axis=1))
    }
    targets = await _span_targets(session, key, months, {p.id for p in visible}, summed, info.time_kind == "stock")
    states = dict(
        (
            await session.execute(
                select(TargetPlan.partner_id, TargetPlan.state)
                .join(Metric, Metric.id == TargetPlan.metric_id)
                .where(Metric.key == key, TargetPlan.year == month.year)
            )
        ).all()
    )
    territories = list(await session.scalars(select(Territory).order_by(Territory.code)))
    by_id = {t.id: t for t in territories}
    nodes = {t.code: Node(t.code, by_id[t.parent_id].code if t.parent_id else None) for t in territories}
    partner_node = {p.id: by_id[p.territory_id].code for p in visible}
    rolled = roll_up(nodes, partner_node, actuals, targets, summed=summed, better=info.better)
    reasons = {p.id: _reason(gaps.get(p.id, []), targets.get(p.id), month.year) for p in visible}
    tree = _ordered(territories, rolled, _below(partners, refs, nodes), _below(visible, refs, nodes), reasons)
    rows = [
        PartnerRow(
            p,
            by_id[p.territory_id].name,
            None if math.isnan(actuals[p.id]) else actuals[p.id],
            targets.get(p.id),
            _finite(attainment(actuals[p.id], targets.get(p.id, math.nan), info.better)),
            states.get(p.id),
            reasons[p.id],
        )
        for p in visible
        if territory is None or territory in refs[p.id].territory_path
    ]
    return Steering(tree, rows, summed, info.better)


def _below(partners: list[Partner], refs: dict[int, PartnerRef], nodes: dict[str, Node]) -> dict[str, list[Partner]]:
    """Each territory's partners, its sub-territories' included (one pass over the partners)."""
    below: dict[str, list[Partner]] = {code: [] for code in nodes}
    for p in partners:
        for code in refs[p.id].territory_path:
            below[code].append(p)
    return below


async def _span_targets(
    session: AsyncSession, key: str, months: list[date], partner_ids: set[int], summed: bool, stock: bool
) -> dict[int, float]:
    """Each partner's target for the span (kpi.targets.span_target); only where every month of
    the span has one. Summed in the database: one row per partner, not one per partner and month."""
    metric_id = select(Metric.id).where(Metric.key == key).scalar_subquery()
    rows = await session.execute(
        select(Target.partner_id, func.count(), func.sum(Target.value))
        .where(Target.metric_id == metric_id, Target.month.in_(months))
        .group_by(Target.partner_id)
    )
    complete = {pid: total for pid, count, total in rows if count == len(months) and pid in partner_ids}
    if stock and not summed:  # a stock's target is the last month's
        last = await session.execute(
            select(Target.partner_id, Target.value).where(Target.metric_id == metric_id, Target.month == months[-1])
        )
        return {pid: value for pid, value in last if pid in complete}
    return {pid: total if summed else total / len(months) for pid, total in complete.items()}


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value


def _ordered(
    territories: list[Territory],
    rolled: dict[str, RollUp],
    below: dict[str, list[Partner]],
    seen: dict[str, list[Partner]],
    reasons: dict[int, str | None],
) -> list[TreeRow]:
    """Depth-first, each node after its parent; nodes without any visible partner are left out."""
    children: dict[int | None, list[Territory]] = {}
    for t in territories:
        children.setdefault(t.parent_id, []).append(t)
    out: list[TreeRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for node in children.get(parent, []):
            visible = seen[node.code]
            if visible:
                missing = [Missing(p, reason) for p in visible if (reason := reasons[p.id]) is not None]
                out.append(TreeRow(node, depth, rolled[node.code], len(visible), len(below[node.code]), missing))
            walk(node.id, depth + 1)

    walk(None, 0)
    return out


async def plannable_keys(session: AsyncSession, engine: Engine, principal: Principal) -> dict[str, str]:
    """Metrics with a direction in the domains the reader may see, in catalogue order, with their unit."""
    metrics = await session.execute(select(Metric.key, Metric.domain, Metric.unit).order_by(Metric.position))
    return {
        key: unit
        for key, domain, unit in metrics
        if key in engine.metrics and engine.metrics[key].better and principal.may(Action.VIEW, domain)
    }
