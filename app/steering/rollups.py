"""Actuals and targets of the partners a user may see, per partner and rolled up the territory tree."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.benchmark.data import load_cube
from app.models import Metric, Partner, Target, Territory
from kpi.benchmark import Engine
from kpi.periods import Span, span_months
from kpi.rollup import Node, RollUp, roll_up

TARGET_METRICS = ("revenue_new", "revenue_used", "revenue_parts", "revenue_workshop", "units_new")


@dataclass(frozen=True)
class TreeRow:
    territory: Territory
    depth: int
    rollup: RollUp


@dataclass(frozen=True)
class PartnerRow:
    partner: Partner
    territory: str
    actual: float | None
    target: float | None
    attainment: float | None


async def steering(
    session: AsyncSession,
    engine: Engine,
    principal: Principal,
    key: str,
    month: date,
    span: Span,
    territory: str | None = None,
) -> tuple[list[TreeRow], list[PartnerRow]]:
    """The roll-up tree of every territory with visible partners, and the partners (of `territory`, if given)."""
    partners = list(await session.scalars(select(Partner).where(Partner.active).order_by(Partner.number)))
    refs = await partner_refs(session, partners)
    metric = await session.scalar(select(Metric).where(Metric.key == key))
    domain = metric.domain if metric else "sales"
    visible = [p for p in partners if principal.can(Action.VIEW, refs[p.id], domain)]
    months = span_months(span, month)
    cube = await load_cube(session, visible, months, sorted(engine.catalogue.base_keys))
    actual_vector = engine.values(cube, span, month)[key]
    actuals = {p.id: float(actual_vector[i]) for i, p in enumerate(visible)}
    rows = await session.execute(
        select(Target.partner_id, Target.month, Target.value)
        .join(Metric, Metric.id == Target.metric_id)
        .where(Metric.key == key, Target.month.in_(months), Target.partner_id.in_([p.id for p in visible]))
    )
    planned: dict[int, dict[date, float]] = {}
    for partner_id, target_month, value in rows:
        planned.setdefault(partner_id, {})[target_month] = value
    # A target counts only when it covers every month of the span.
    targets = {pid: sum(v.values()) for pid, v in planned.items() if len(v) == len(months)}
    territories = list(await session.scalars(select(Territory).order_by(Territory.code)))
    by_id = {t.id: t for t in territories}
    nodes = {t.code: Node(t.code, by_id[t.parent_id].code if t.parent_id else None) for t in territories}
    partner_node = {p.id: by_id[p.territory_id].code for p in visible}
    rolled = roll_up(nodes, partner_node, actuals, targets)
    tree = _ordered(territories, rolled)
    partner_rows = [
        PartnerRow(
            p,
            by_id[p.territory_id].name,
            None if math.isnan(actuals[p.id]) else actuals[p.id],
            targets.get(p.id),
            _attainment(actuals[p.id], targets.get(p.id)),
        )
        for p in visible
        if territory is None or territory in refs[p.id].territory_path
    ]
    return tree, partner_rows


def _attainment(actual: float, target: float | None) -> float | None:
    return None if math.isnan(actual) or not target else actual / target * 100


def _ordered(territories: list[Territory], rolled: dict[str, RollUp]) -> list[TreeRow]:
    """Depth-first, each node after its parent; nodes without any visible partner are left out."""
    children: dict[int | None, list[Territory]] = {}
    for t in territories:
        children.setdefault(t.parent_id, []).append(t)
    out: list[TreeRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for node in children.get(parent, []):
            if rolled[node.code].partners:
                out.append(TreeRow(node, depth, rolled[node.code]))
            walk(node.id, depth + 1)

    walk(None, 0)
    return out
