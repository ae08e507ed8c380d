"""A group's figures as partners see them: computed from the figures as they are, perturbed.

A release is a pure function of the members' figures and their secret record keys
(kpi.cellkey): the same figures always give the same release, whichever worker or page
view computes it, and no combination of releases gives a partner's figure away
(docs/anonymity.md). So nothing about earlier releases is kept, and a release is made
for every submission. What this process computed is kept while the reports of the
span's months and the group's members stay as they were.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmark.data import layout_of, load_cube
from app.benchmark.month_reports import reports_now
from app.models import ComparisonGroup, Partner, utcnow
from kpi.benchmark import Engine
from kpi.formula import Vector
from kpi.periods import Span, span_months
from kpi.perturbed import jittered_position
from kpi.stats import Position

SENSITIVE_FIELDS = ("mean", "q1", "q3", "best", "best_n")
KEPT = 48  # releases per process


@dataclass(frozen=True)
class Released:
    """One group's figures for one span: public cells, and what ranks the members against."""

    cells: dict[str, dict[str, Any]]  # key -> n, median, q1, q3, best, best_n, mean; or hidden: why
    reported: int  # members with every month of the span reported
    computed_at: datetime  # when its figures were read
    partner_ids: np.ndarray
    values: dict[str, Vector]  # each KPI over the members, for their ranks
    record_keys: np.ndarray

    def place(self, engine: Engine, key: str, partner_id: int) -> Position | None:
        """The partner's rank and percentile, against the others' perturbed values; None where the
        cell is hidden, the KPI has no direction, or the partner has no value."""
        cell = self.cells.get(key)
        better = engine.metrics[key].better if key in engine.metrics else None
        if cell is None or "hidden" in cell or better is None or key not in self.values:
            return None
        at = np.flatnonzero(self.partner_ids == partner_id)
        if len(at) == 0:
            return None
        return jittered_position(
            self.values[key], int(at[0]), self.record_keys, key, better == "lower", engine.perturbation
        )


_kept: OrderedDict[tuple[Any, ...], Released] = OrderedDict()


@dataclass(frozen=True)
class Reading:
    """What the releases of one submission's groups share: when they began to read the figures,
    and the month reports' count and sum of revisions read then (`reports_now`)."""

    at: datetime
    state: tuple[int, int]


async def reading_now(session: AsyncSession, period: date, span: Span) -> Reading:
    """A reading for releases of the span ending with `period`, read in this session now."""
    at = utcnow()
    state, _reports = await reports_now(session, span_months(span, period))
    return Reading(at, state)


async def released(
    session: AsyncSession,
    engine: Engine,
    group: ComparisonGroup,
    members: list[Partner],
    period: date,
    span: Span,
    *,
    variants: bool = False,
    reading: Reading | None = None,
) -> Released:
    """The group's figures for the span ending with `period`, as partners may see them now.

    `variants`: also the charts' per-employee and share-of-revenue views (a quarter more KPIs,
    which only the analysis charts show: a submission's releases leave them out).
    `reading`: taken (`reading_now`) after the submission was stored, for all of its groups: the
    reports are not asked again while no other process has read newer ones."""
    months = span_months(span, period)
    read_at = utcnow() if reading is None else reading.at  # the release shows every submission stored before it
    state, reports = await reports_now(session, months, None if reading is None else reading.state)
    layout = layout_of(members)
    for with_variants in {True, variants}:  # one with the variants serves both
        found = _kept.get((id(engine), group.id, period, span, state, id(layout), with_variants))
        if found is not None:  # the figures are as they were: it shows every submission stored before now too
            return replace(found, computed_at=max(found.computed_at, read_at))
    key = (id(engine), group.id, period, span, state, id(layout), variants)
    cube = await load_cube(session, members, months, sorted(engine.catalogue.base_keys), market_beside_reports=True)
    current = engine.values(cube, span, period)
    kpis = None if variants else [k for k in current if k not in engine.variants]
    cells = engine.benchmark(
        cube, range(len(members)), None, span, period, layout.record_keys, kpis, values=(current, {})
    )
    stored: dict[str, dict[str, Any]] = {}
    for name, cell in cells.items():
        if cell.hidden or cell.stats is None:
            stored[name] = {"hidden": cell.hidden or "Noch keine Werte."}
        else:
            s = cell.stats
            stored[name] = {"n": s.n, "median": s.median, "q1": s.q1, "q3": s.q3, "mean": s.mean}
            if s.best_n:
                stored[name].update(best=s.best, best_n=s.best_n)
    wanted = layout.row
    per_partner: dict[int, int] = {}
    for partner_id, _month, _revision in reports:
        if partner_id in wanted:
            per_partner[partner_id] = per_partner.get(partner_id, 0) + 1
    reported = sum(1 for count in per_partner.values() if count == len(months))
    made = Released(stored, reported, read_at, layout.id_array, current, layout.record_keys)
    _kept[key] = made
    while len(_kept) > KEPT:
        _kept.popitem(last=False)
    return made


def public_cell(cell: dict[str, Any], sensitive: bool = False) -> dict[str, Any]:
    """What leaves the server of a cell: of sensitive (forward-looking) metrics only n and the
    median (shared/DESIGN.md). The members' values never leave it."""
    return {k: v for k, v in cell.items() if k not in SENSITIVE_FIELDS} if sensitive else dict(cell)
