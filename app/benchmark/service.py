"""A partner's KPIs, and its groups' figures as released under the anonymity rules."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.benchmark.contributions import CellHistory, first_release, histories_at, keep
from app.benchmark.data import load_cube
from app.benchmark.month_reports import month_reports
from app.models import ComparisonGroup, GroupRelease, Partner, utcnow
from kpi.anonymity import may_rerelease
from kpi.benchmark import Engine
from kpi.months import format_month
from kpi.periods import Span, prior_year, span_months


async def partner_kpis(
    session: AsyncSession, engine: Engine, partner: Partner, month: date, span: Span = Span.MONTH
) -> dict[str, float]:
    """Every catalogue metric of the partner for the span ending with `month`, entered and derived;
    no value: left out. Chart variants (per employee, share) stay out: they are no KPIs of their own."""
    cube = await load_cube(session, [partner], span_months(span, month), sorted(engine.catalogue.base_keys))
    current = _first_row(engine.values(cube, span, month))
    return {key: value for key, value in current.items() if key not in engine.variants}


async def partner_kpis_with_prior(
    session: AsyncSession, engine: Engine, partner: Partner, month: date, span: Span
) -> tuple[dict[str, float], dict[str, float]]:
    """The partner's KPIs for the span and for the same span a year earlier."""
    earlier = prior_year(month)
    cube = await load_cube(
        session, [partner], span_months(span, month) + span_months(span, earlier), sorted(engine.catalogue.base_keys)
    )
    return _first_row(engine.values(cube, span, month)), _first_row(engine.values(cube, span, earlier))


def _first_row(values: dict[str, np.ndarray]) -> dict[str, float]:
    """The first partner's values, rounded to 6 places; no value: left out."""
    keys = list(values)
    row = np.round(np.array([values[key][0] for key in keys], dtype=np.float64), 6)
    return {key: float(v) for key, v in zip(keys, row.tolist(), strict=True) if not math.isnan(v)}


async def _reports(
    session: AsyncSession, members: list[Partner], months: list[date], state: tuple[int, int] | None = None
) -> list[tuple[int, date, int]]:
    """(partner, month, revision) of the members' reports of these months (`state`: see month_reports)."""
    wanted = member_ids(members)
    return [report for report in await month_reports(session, months, state) if report[0] in wanted]


def member_ids(members: list[Partner]) -> frozenset[int]:
    """The members' ids, remembered for the shared member lists of app.network.groups."""
    found = _member_ids.get(id(members))
    if found is None or found[0] is not members:
        if len(_member_ids) > 256:
            _member_ids.clear()
        found = _member_ids[id(members)] = (members, frozenset(p.id for p in members))
    return found[1]


# id(list) -> (the list itself, kept so that its id stays its own, its members' ids)
_member_ids: dict[int, tuple[list[Partner], frozenset[int]]] = {}


async def versions_of(
    session: AsyncSession, members: list[Partner], months: list[date], state: tuple[int, int] | None = None
) -> dict[str, str]:
    """Who contributes, and with which revisions of their months: partners with every month of the span.

    `state`: the months' count and sum of revisions (`reports_now`), if just read in this session."""
    labels = {m: format_month(m) for m in months}
    reports = await _reports(session, members, months, state)
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


@dataclass(frozen=True)
class Basis:
    """The release row a new release is computed from: what partners see now and whose figures went in."""

    id: int | None  # None: no row yet
    versions: dict[str, Any]
    cells: dict[str, Any]
    released_at: datetime | None

    @staticmethod
    def of(record: GroupRelease | None) -> Basis:
        if record is None:
            return Basis(None, {}, {}, None)
        return Basis(record.id, dict(record.versions), dict(record.cells), record.released_at)

    def matches(self, record: GroupRelease) -> bool:
        """Whether `record` (locked) is still the row this basis was read from."""
        if self.id is None:  # the row did not exist: it must still be as inserted, never released
            return not record.versions and not record.cells
        return (record.id, record.versions, record.cells, record.released_at) == (
            self.id,
            self.versions,
            self.cells,
            self.released_at,
        )


@dataclass(frozen=True)
class Plan:
    """A computed release, to be written if its basis is still current."""

    basis: Basis
    versions: dict[str, str]
    cells: dict[str, Any]
    kept: dict[str, CellHistory]  # cells showing new figures, with their history including this release
    changed: bool
    due: bool = True  # False: too few partners changed since the basis; nothing to write
    histories: dict[str, CellHistory] | None = None  # every cell's history once this plan is written


async def current_release(
    session: AsyncSession, engine: Engine, group: ComparisonGroup, members: list[Partner], period: date, span: Span
) -> Release:
    """The group's figures partners may see now, re-released cell by cell when enough has changed.

    Computed under the release row's lock, so two callers neither both insert nor both
    release; for computing without holding the write lock see `plan_release`.
    """
    record = await session.run_sync(locked_release_row, group.id, period, span)
    plan = await plan_release(session, engine, members, period, span, Basis.of(record))
    release = await session.run_sync(apply_plan, record, plan)
    await session.flush()
    return release


def write_planned(session: Session, group_id: int, period: date, span: Span, plan: Plan) -> Release | None:
    """Write `plan` if its basis is still the stored release; None if the row moved on meanwhile
    (another worker or a page view released), and nothing written. For `Database.write`."""
    record = locked_release_row(session, group_id, period, span)
    if not plan.basis.matches(record):
        return None
    release = apply_plan(session, record, plan)
    session.flush()
    return release


def locked_release_row(session: Session, group_id: int, period: date, span: Span) -> GroupRelease:
    """The group's release row, created if missing (a concurrent creator wins quietly), locked for this transaction."""
    insert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(GroupRelease)
        .values(group_id=group_id, period=period, span=span.value, versions={}, cells={}, released_at=utcnow())
        .on_conflict_do_nothing(index_elements=["group_id", "period", "span"])
    )
    record = session.scalar(
        select(GroupRelease)
        .where(GroupRelease.group_id == group_id, GroupRelease.period == period, GroupRelease.span == span.value)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if record is None:
        raise RuntimeError("group release row vanished")
    return record


async def release_basis(session: AsyncSession, group: ComparisonGroup, period: date, span: Span) -> Basis:
    """The release row as it is now, read without a lock."""
    return Basis.of(await session.scalar(_RELEASE, {"group_id": group.id, "period": period, "span": span.value}))


_RELEASE = select(GroupRelease).where(
    GroupRelease.group_id == bindparam("group_id"),
    GroupRelease.period == bindparam("period"),
    GroupRelease.span == bindparam("span"),
)


async def plan_release(
    session: AsyncSession, engine: Engine, members: list[Partner], period: date, span: Span, basis: Basis
) -> Plan:
    """The release due on top of `basis`, from the figures `session` sees.

    A cell (one KPI) shows new figures only when at least `min_new_contributions`
    partners joined, left or changed their value for that KPI since the cell was last
    shown; otherwise it keeps its last figures (kpi.anonymity.may_rerelease).
    """
    months = span_months(span, period)
    versions = await versions_of(session, members, months)
    if basis.cells and not may_rerelease(basis.versions, versions, engine.policy):
        return Plan(basis, basis.versions, basis.cells, {}, False, due=False)
    keys = sorted(engine.catalogue.base_keys)
    # The span's months only: the year before is for a partner's own change, and a release has no own partner.
    cube = await load_cube(session, members, months, keys)
    current = engine.values(cube, span, period)
    cells = engine.benchmark(cube, list(range(len(members))), None, span, period, values=(current, {}))
    histories = (
        await histories_at(session, basis.id, basis.released_at)
        if basis.id is not None and basis.released_at is not None
        else {}
    )
    order = np.argsort([p.id for p in members])
    ids = np.array([p.id for p in members], dtype=np.int64)[order]
    stored: dict[str, Any] = {}
    kept: dict[str, CellHistory] = {}
    for key, cell in cells.items():
        values = current[key][order]
        present = ~np.isnan(values)
        past = histories.get(key)
        before = basis.cells.get(key)
        if cell.hidden or cell.stats is None:
            stored[key] = {"hidden": cell.hidden or "Noch keine Werte."}  # nothing to difference against
        elif past is not None and past.shows(ids[present], values[present]):
            # Nobody changed this KPI since it last showed new figures (most cells when one base figure
            # changed): nothing new to show, as the audit would find, without numbering the history.
            stored[key] = _still_shown(before)
        elif (
            candidate := past.with_candidate(ids[present], values[present])
            if past
            else first_release(ids[present], values[present])
        ).releasable(engine.policy):
            stats = cell.stats
            stored[key] = dict(
                n=stats.n, median=stats.median, q1=stats.q1, q3=stats.q3, best=stats.best, mean=stats.mean
            )
            kept[key] = candidate
        else:
            # Too few partners changed this KPI since a release, or the releases together would give
            # one partner's value away: keep showing what was shown.
            stored[key] = _still_shown(before)
    return Plan(basis, versions, stored, kept, stored != basis.cells or bool(kept), histories={**histories, **kept})


def _still_shown(before: dict[str, Any] | None) -> dict[str, Any]:
    """A cell that may not show new figures: what it showed, if it showed figures."""
    return (
        before
        if before and before.get("n") is not None
        else {"hidden": "Noch nicht freigegeben: zu wenige neue Meldungen."}
    )


def apply_plan(session: Session, record: GroupRelease, plan: Plan) -> Release:
    """Write a plan into its (locked) row; the caller has checked that the plan's basis matches it."""
    if not plan.due:
        return Release(record, False)
    keep(session, record.id, plan.kept)
    first = not record.cells
    record.versions, record.cells = plan.versions, plan.cells
    if plan.changed:
        record.released_at = utcnow()
    return Release(record, plan.changed, first)


SENSITIVE_FIELDS = ("q1", "q3", "best")


def public_cell(cell: dict[str, Any], sensitive: bool = False) -> dict[str, Any]:
    """What leaves the server of a cell: of sensitive (forward-looking) metrics only the aggregate
    n, median and mean (shared/DESIGN.md). The contributors' values are not in cells at all."""
    return {k: v for k, v in cell.items() if k not in SENSITIVE_FIELDS} if sensitive else dict(cell)
