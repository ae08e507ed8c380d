"""The partner file (360°): what the supplier knows of one partner, block by block, each block only
for those whose data domain it is: the relationship (master data, contacts, staff), every KPI with
its trend, position and target, and the records of the supplier's own systems."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.benchmark.data import load_cube
from app.models import (
    AuditEvent,
    MarketingActivity,
    Metric,
    OpenItem,
    Partner,
    Purchase,
    Target,
    TargetPlan,
    User,
    WarrantyClaim,
)
from app.web.sparkline import sparkline
from kpi.benchmark import Engine
from kpi.months import add_months
from kpi.periods import Span, span_months
from kpi.targets import is_summed, yearly_of

STATE_LABELS = {"proposed": "vorgeschlagen", "agreed": "vereinbart", "revised": "geändert, offen"}


@dataclass(frozen=True)
class Trend:
    spark: str  # inline SVG of the last twelve months
    rank: int | None  # 1 = best among the partners the reader sees
    of: int


@dataclass(frozen=True)
class Receivables:
    total: float
    overdue: float
    count: int
    oldest_days: int
    dunning: int
    credit_limit: float | None
    items: list[tuple[OpenItem, int]]  # with days overdue

    @property
    def limit_use(self) -> float | None:
        return self.total / self.credit_limit * 100 if self.credit_limit else None


@dataclass(frozen=True)
class Warranty:
    open: int
    approved: int
    rejected: int
    approved_amount: float
    open_amount: float
    days: float | None  # mean days from receipt to decision
    recent: list[WarrantyClaim]


@dataclass(frozen=True)
class Purchases:
    year: int
    to_month: int
    total: float
    prior: float
    groups: list[tuple[str, float, float]]

    @property
    def change(self) -> float | None:
        return (self.total / self.prior - 1) * 100 if self.prior else None


@dataclass(frozen=True)
class Marketing:
    activities: list[MarketingActivity]
    used: float
    budget: float | None


@dataclass
class SupplierSide:
    receivables: Receivables | None = None
    warranty: Warranty | None = None
    purchases: Purchases | None = None
    marketing: Marketing | None = None
    history: list[tuple[AuditEvent, str]] = field(default_factory=list)
    targets: list[tuple[str, str, str, float]] = field(default_factory=list)  # label, unit, state, yearly


async def trends(
    session: AsyncSession,
    engine: Engine,
    principal: Principal,
    partner: Partner,
    keys: list[str],
    month: date,
    span: Span,
) -> dict[str, Trend]:
    """Per KPI: the partner's last twelve months, and its rank for the span among the partners
    the reader may see in the KPI's domain (never among partners hidden from the reader)."""
    months = [add_months(month, -i) for i in range(11, -1, -1)]
    own = await load_cube(session, [partner], months, sorted(engine.catalogue.base_keys))
    series = engine.series(own, months)
    partners = list(await session.scalars(select(Partner).where(Partner.active)))
    refs = await partner_refs(session, partners)
    domains = dict((await session.execute(select(Metric.key, Metric.domain))).all())
    cube = await load_cube(session, partners, span_months(span, month), sorted(engine.catalogue.base_keys))
    values = engine.values(cube, span, month)
    out = {}
    for key in keys:
        better = engine.metrics[key].better if key in engine.metrics else None
        peers = [
            float(values[key][i])
            for i, p in enumerate(partners)
            if principal.can(Action.VIEW, refs[p.id], domains.get(key)) and not math.isnan(values[key][i])
        ]
        mine = float(values[key][partners.index(partner)]) if partner in partners else math.nan
        rank = None
        if better and not math.isnan(mine):
            rank = 1 + sum(1 for v in peers if (v > mine if better == "higher" else v < mine))
        line = [float(v) for v in series[key][0]] if key in series else []
        out[key] = Trend(sparkline(line, "Verlauf der letzten 12 Monate"), rank, len(peers))
    return out


async def supplier_side(
    session: AsyncSession, engine: Engine, principal: Principal, partner: Partner, month: date, today: date
) -> SupplierSide:
    ref = (await partner_refs(session, [partner]))[partner.id]

    def sees(domain: str) -> bool:
        return principal.can(Action.VIEW, ref, domain)

    side = SupplierSide()
    if sees("receivables"):
        side.receivables = await _receivables(session, partner, today)
    if sees("warranty"):
        side.warranty = await _warranty(session, partner, today)
    if sees("sales"):
        side.purchases = await _purchases(session, partner, month)
    if sees("marketing"):
        side.marketing = await _marketing(session, partner, today)
    plans = await session.execute(
        select(Metric.key, Metric.label_de, Metric.unit, Metric.domain, TargetPlan.state)
        .join(Metric, Metric.id == TargetPlan.metric_id)
        .where(TargetPlan.partner_id == partner.id, TargetPlan.year == month.year)
        .order_by(Metric.position)
    )
    monthly: dict[str, list[float]] = defaultdict(list)
    for key, value in await session.execute(
        select(Metric.key, Target.value)
        .join(Metric, Metric.id == Target.metric_id)
        .where(Target.partner_id == partner.id, Target.month.between(date(month.year, 1, 1), date(month.year, 12, 1)))
    ):
        monthly[key].append(value)
    kinds = {k: m.time_kind or "" for k, m in engine.metrics.items()}
    side.targets = [
        (label, unit, STATE_LABELS[state], yearly_of(monthly[key], is_summed(key, kinds, engine.base_terms)))
        for key, label, unit, domain, state in plans
        if sees(domain) and monthly[key]
    ]
    events = await session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == "partner", AuditEvent.object_id == str(partner.number))
        .order_by(AuditEvent.at.desc())
        .limit(20)
    )
    side.history = [(event, name or "System") for event, name in events]
    return side


async def _receivables(session: AsyncSession, partner: Partner, today: date) -> Receivables:
    items = list(
        await session.scalars(
            select(OpenItem)
            .where(OpenItem.partner_id == partner.id, OpenItem.settled_on.is_(None))
            .order_by(OpenItem.due_date)
        )
    )
    overdue = [(i, (today - i.due_date).days) for i in items if i.due_date < today]
    return Receivables(
        total=sum(i.amount for i in items),
        overdue=sum(i.amount for i, _ in overdue),
        count=len(items),
        oldest_days=max((days for _, days in overdue), default=0),
        dunning=max((i.dunning_level for i in items), default=0),
        credit_limit=partner.credit_limit,
        items=[(i, max(0, (today - i.due_date).days)) for i in items[:15]],
    )


async def _warranty(session: AsyncSession, partner: Partner, today: date) -> Warranty:
    since = add_months(date(today.year, today.month, 1), -11)
    claims = list(
        await session.scalars(
            select(WarrantyClaim)
            .where(WarrantyClaim.partner_id == partner.id, WarrantyClaim.received >= since)
            .order_by(WarrantyClaim.received.desc())
        )
    )
    decided = [(c.decided - c.received).days for c in claims if c.decided]
    return Warranty(
        open=sum(c.status == "open" for c in claims),
        approved=sum(c.status == "approved" for c in claims),
        rejected=sum(c.status == "rejected" for c in claims),
        approved_amount=sum(c.amount for c in claims if c.status == "approved"),
        open_amount=sum(c.amount for c in claims if c.status == "open"),
        days=sum(decided) / len(decided) if decided else None,
        recent=claims[:10],
    )


async def _purchases(session: AsyncSession, partner: Partner, month: date) -> Purchases:
    this_year = [date(month.year, m, 1) for m in range(1, month.month + 1)]
    last_year = [date(month.year - 1, m, 1) for m in range(1, month.month + 1)]
    rows = await session.execute(
        select(Purchase.month, Purchase.product_group, Purchase.amount).where(
            Purchase.partner_id == partner.id, Purchase.month.in_(this_year + last_year)
        )
    )
    groups: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for when, group, amount in rows:
        groups[group][0 if when.year == month.year else 1] += amount
    ordered = sorted(((g, now, before) for g, (now, before) in groups.items()), key=lambda r: -r[1])
    return Purchases(month.year, month.month, sum(r[1] for r in ordered), sum(r[2] for r in ordered), ordered)


async def _marketing(session: AsyncSession, partner: Partner, today: date) -> Marketing:
    activities = list(
        await session.scalars(
            select(MarketingActivity)
            .where(MarketingActivity.partner_id == partner.id, MarketingActivity.start >= date(today.year - 1, 1, 1))
            .order_by(MarketingActivity.start.desc())
        )
    )
    used = sum(a.coop_funds for a in activities if a.start.year == today.year)
    return Marketing(activities, used, partner.coop_budget)
