"""A partner's KPIs, and its groups' figures as released under the anonymity rules."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmark.contributions import CellHistory, first_release, keep, load_histories
from app.benchmark.data import load_cube
from app.models import ComparisonGroup, GroupRelease, MonthReport, Partner, utcnow
from kpi.anonymity import differencing_safe_matrix, may_release_matrix, may_rerelease
from kpi.benchmark import Engine
from kpi.months import format_month
from kpi.periods import Span, prior_year, span_months


async def partner_kpis(
    session: AsyncSession, engine: Engine, partner: Partner, month: date, span: Span = Span.MONTH
) -> dict[str, float]:
    """Every catalogue metric of the partner for the span ending with `month`, entered and derived;
    no value: left out. Chart variants (per employee, share) stay out: they are no KPIs of their own."""
    current, _prior = await partner_kpis_with_prior(session, engine, partner, month, span)
    return {key: value for key, value in current.items() if key not in engine.variants}


async def partner_kpis_with_prior(
    session: AsyncSession, engine: Engine, partner: Partner, month: date, span: Span
) -> tuple[dict[str, float], dict[str, float]]:
    """The partner's KPIs for the span and for the same span a year earlier."""
    earlier = prior_year(month)
    cube = await load_cube(
        session, [partner], span_months(span, month) + span_months(span, earlier), sorted(engine.catalogue.base_keys)
    )

    def clean(values: dict[str, np.ndarray]) -> dict[str, float]:
        return {key: float(round(v[0], 6)) for key, v in values.items() if not math.isnan(v[0])}

    return clean(engine.values(cube, span, month)), clean(engine.values(cube, span, earlier))


async def _reports(session: AsyncSession, members: list[Partner], months: list[date]) -> list[tuple[int, date, int]]:
    """(partner, month, revision) of the members' reports of these months.

    Selected by month and filtered here: an IN list of a large group's partner ids costs SQLite more.
    """
    wanted = {p.id for p in members}
    rows = await session.execute(_REPORTS, {"months": months})
    return [(pid, month, revision) for pid, month, revision in rows if pid in wanted]


# Built once: constructing the statement cost as much as running it.
_REPORTS = select(MonthReport.partner_id, MonthReport.month, MonthReport.revision).where(
    MonthReport.month.in_(bindparam("months", expanding=True))
)


async def versions_of(session: AsyncSession, members: list[Partner], months: list[date]) -> dict[str, str]:
    """Who contributes, and with which revisions of their months: partners with every month of the span."""
    labels = {m: format_month(m) for m in months}
    reports = await _reports(session, members, months)
    if len(months) == 1:  # the usual span: one month, one revision per partner
        return {str(pid): f"{labels[month]}:{revision}" for pid, month, revision in reports}
    reported: dict[int, dict[date, int]] = {}
    for partner_id, month, revision in reports:
        reported.setdefault(partner_id, {})[month] = revision
    return {
        str(pid): ",".join(f"{labels[m]}:{r}" for m, r in sorted(months_.items()))
        for pid, months_ in reported.items()
        if len(months_) == len(months)
    }


async def monthly_versions(
    session: AsyncSession, members: list[Partner], months: list[date]
) -> dict[date, dict[str, str]]:
    """`versions_of` of many single-month spans in one query: per month, who reported it in which revision."""
    found: dict[date, dict[str, str]] = {m: {} for m in months}
    labels = {m: format_month(m) for m in months}
    for partner_id, month, revision in await _reports(session, members, months):
        found[month][str(partner_id)] = f"{labels[month]}:{revision}"
    return found


@dataclass(frozen=True)
class Release:
    record: GroupRelease
    fresh: bool  # this call changed the released figures
    first: bool = False  # the month's first release: nobody can have seen earlier figures


async def current_release(
    session: AsyncSession, engine: Engine, group: ComparisonGroup, members: list[Partner], period: date, span: Span
) -> Release:
    """The group's figures partners may see now, re-released cell by cell when enough has changed.

    A cell (one KPI) shows new figures only when at least `min_new_contributions`
    partners joined, left or changed their value for that KPI since the cell was last
    shown; otherwise it keeps its last figures (kpi.anonymity.may_rerelease).
    """
    months = span_months(span, period)
    # Create the row if missing (a concurrent creator wins quietly), then lock it, and only
    # then read who contributed: two submissions at once must neither both insert nor both
    # release, and the versions must belong to the figures released with them.
    insert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(GroupRelease)
        .values(group_id=group.id, period=period, span=span.value, versions={}, cells={}, released_at=utcnow())
        .on_conflict_do_nothing(index_elements=["group_id", "period", "span"])
    )
    record = await session.scalar(
        select(GroupRelease)
        .where(GroupRelease.group_id == group.id, GroupRelease.period == period, GroupRelease.span == span.value)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if record is None:
        raise RuntimeError("group release row vanished")
    versions = await versions_of(session, members, months)
    if record.cells and not may_rerelease(record.versions, versions, engine.policy):
        return Release(record, False)
    keys = sorted(engine.catalogue.base_keys)
    cube = await load_cube(session, members, months + span_months(span, prior_year(period)), keys)
    current = engine.values(cube, span, period)
    cells = engine.benchmark(
        cube,
        list(range(len(members))),
        None,
        span,
        period,
        values=(current, engine.values(cube, span, prior_year(period))),
    )
    histories = await load_histories(session, record.id)
    order = np.argsort([p.id for p in members])
    ids = np.array([p.id for p in members], dtype=np.int64)[order]
    stored: dict[str, Any] = {}
    kept: dict[str, CellHistory] = {}
    for key, cell in cells.items():
        values = current[key][order]
        present = ~np.isnan(values)
        past = histories.get(key)
        candidate = (
            past.with_candidate(ids[present], values[present]) if past else first_release(ids[present], values[present])
        )
        before = record.cells.get(key)
        if cell.hidden or cell.stats is None:
            stored[key] = {"hidden": cell.hidden or "Noch keine Werte."}  # nothing to difference against
        elif may_release_matrix(candidate.matrix, engine.policy) and differencing_safe_matrix(candidate.matrix):
            stats = cell.stats
            stored[key] = dict(
                n=stats.n, median=stats.median, q1=stats.q1, q3=stats.q3, best=stats.best, mean=stats.mean
            )
            kept[key] = candidate
        else:
            # Too few partners changed this KPI since a release, or the releases together would give
            # one partner's value away: keep showing what was shown.
            stored[key] = (
                before
                if before and before.get("n") is not None
                else {"hidden": "Noch nicht freigegeben: zu wenige neue Meldungen."}
            )
    for key, history in kept.items():
        keep(session, record.id, key, history)
    first, changed = not record.cells, stored != record.cells or bool(kept)
    record.versions, record.cells = versions, stored
    if changed:
        record.released_at = utcnow()
    await session.flush()
    return Release(record, changed, first)


SENSITIVE_FIELDS = ("q1", "q3", "best")


def public_cell(cell: dict[str, Any], sensitive: bool = False) -> dict[str, Any]:
    """What leaves the server of a cell: of sensitive (forward-looking) metrics only the aggregate
    n, median and mean (shared/DESIGN.md). The contributors' values are not in cells at all."""
    return {k: v for k, v in cell.items() if k not in SENSITIVE_FIELDS} if sensitive else dict(cell)
