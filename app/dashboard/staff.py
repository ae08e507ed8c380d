"""The Zentrale staff's start page: how their partners have reported, target attainment by region
and territory, and the partners needing attention (the widest gaps to target, overdue items)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from litestar.datastructures import State
from sqlalchemy import func, select

from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.benchmark.live import engine_of
from app.models import Metric, OpenItem, Partner, TargetPlan
from app.network.visibility import active_partners
from app.steering.compliance import Reporting, reporting
from app.steering.rollups import PartnerRow, TreeRow, steering
from kpi.periods import Span

PREFERRED = ("revenue_total", "revenue_new", "gross_profit")  # when the Zentrale set targets for them
MAX_TREE = 8
SHOWN = 5


@dataclass(frozen=True)
class Overdue:
    partner: Partner
    amount: float
    items: int
    oldest: date


@dataclass(frozen=True)
class StaffView:
    month: date
    key_label: str  # the KPI whose attainment is shown: the one most partners have a target for
    reporting: list[Reporting]  # not yet reported first
    tree: list[TreeRow]  # network, regions and territories with visible partners
    gaps: list[PartnerRow]  # lowest attainment first
    overdue: list[Overdue] | None  # None: the reader does not see receivables

    @property
    def reported(self) -> int:
        return sum(1 for r in self.reporting if r.reported_at is not None)

    @property
    def missing(self) -> list[Reporting]:
        return [r for r in self.reporting if r.reported_at is None]


async def staff_view(state: State, principal: Principal, month: date, today: date) -> StaffView:
    engine = await engine_of(state)
    async with state.db.read() as session:
        status = await reporting(session, principal, month)
        tree: list[TreeRow] = []
        gaps: list[PartnerRow] = []
        planned = list(
            await session.scalars(
                select(Metric.key)
                .join(TargetPlan, TargetPlan.metric_id == Metric.id)
                .where(TargetPlan.year == month.year)
                .group_by(Metric.key)
                .order_by(func.count().desc(), Metric.key)
            )
        )
        key = next((k for k in PREFERRED if k in planned), planned[0] if planned else PREFERRED[0])
        metric = await session.scalar(select(Metric).where(Metric.key == key))
        label = metric.label_de if metric else ""
        if metric is not None and metric.key in engine.metrics and principal.may(Action.VIEW, metric.domain):
            key = metric.key
            steered = await steering(session, engine, principal, key, month, Span.YTD)
            tree = [row for row in steered.tree if row.depth <= 2 and row.visible]
            if len(tree) > MAX_TREE:  # the whole network: its regions; the territories are a click away
                tree = [row for row in tree if row.depth <= 1]
            gaps = sorted((r for r in steered.partners if r.attainment is not None), key=lambda r: r.attainment or 0)
        overdue = None
        if principal.may(Action.VIEW, "receivables"):
            partners = await active_partners(session)
            refs = await partner_refs(session, partners)
            seen = {p.id: p for p in partners if principal.can(Action.VIEW, refs[p.id], "receivables")}
            rows = await session.execute(
                select(OpenItem.partner_id, func.sum(OpenItem.amount), func.count(), func.min(OpenItem.due_date))
                .where(OpenItem.settled_on.is_(None), OpenItem.due_date < today, OpenItem.partner_id.in_(seen))
                .group_by(OpenItem.partner_id)
                .order_by(func.sum(OpenItem.amount).desc())
                .limit(SHOWN)
            )
            overdue = [Overdue(seen[pid], float(total), int(count), oldest) for pid, total, count, oldest in rows]
    return StaffView(month, label, status, tree, gaps[:SHOWN], overdue)
