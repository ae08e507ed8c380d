"""Releases as pages read them: public cells and rank tables, read once per release and process.

The rank tables come from the members' values behind each cell (app.benchmark.contributions),
rebuilt from their rows; each release is read once into this form and kept while it is current.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmark.contributions import histories_at
from app.benchmark.month_reports import reports_now
from app.benchmark.service import member_ids, versions_of
from app.models import ComparisonGroup, GroupRelease, MonthReport, Partner
from kpi.anonymity import may_rerelease
from kpi.benchmark import Engine
from kpi.periods import Span, span_months
from kpi.stats import Position, position

KEPT = 16  # releases per process


@dataclass(frozen=True)
class Published:
    released_at: datetime
    cells: dict[str, dict[str, Any]]  # without the members' values and history
    ranks: dict[str, tuple[np.ndarray, np.ndarray]]  # key -> partner ids (sorted), their released values

    def place(self, key: str, partner_id: int, better: str | None) -> Position | None:
        """The partner's rank and percentile among the released values (never against live values)."""
        cell = self.cells.get(key)
        if cell is None or cell.get("hidden") or "n" not in cell or key not in self.ranks:
            return None
        ids, values = self.ranks[key]
        at = int(np.searchsorted(ids, partner_id))
        if at >= len(ids) or ids[at] != partner_id:
            return None
        return position(values, at, better)


_kept: OrderedDict[tuple[int, datetime], Published] = OrderedDict()

# Release (id, released_at) -> the state of reports and members in which this process last found it current.
# Reports are never deleted and revisions only rise, so their count and sum move with every change.
State = tuple[int, int, int]
_current: dict[tuple[int, datetime], State] = {}


def members_key(members: list[Partner]) -> int:
    """Who the members are, as a number (a frozenset keeps its hash once computed)."""
    return hash(member_ids(members))


async def monthly_report_states(session: AsyncSession, months: list[date]) -> dict[date, tuple[int, int]]:
    """Per month, the count and the sum of revisions of its reports (every partner's)."""
    rows = await session.execute(
        select(MonthReport.month, func.count(), func.coalesce(func.sum(MonthReport.revision), 0))
        .where(MonthReport.month.in_(months))
        .group_by(MonthReport.month)
    )
    found = {month: (count, total) for month, count, total in rows}
    return {month: found.get(month, (0, 0)) for month in months}


def known_current(release: tuple[int, datetime], state: State) -> bool:
    """Whether this process found the release current in this very state (so it still is)."""
    return _current.get(release) == state


def remember_current(release: tuple[int, datetime], state: State) -> None:
    _current[release] = state
    while len(_current) > 64 * KEPT:
        del _current[next(iter(_current))]


async def published(session: AsyncSession, record: GroupRelease) -> Published:
    """The compact form of a stored release (cached while the process keeps it)."""
    key = (record.id, record.released_at)
    found = _kept.get(key)
    if found is not None:
        _kept.move_to_end(key)
        return found
    histories = await histories_at(session, record.id, record.released_at)
    ranks = {name: history.latest() for name, history in histories.items()}
    made = Published(record.released_at, dict(record.cells), ranks)
    _kept[key] = made
    while len(_kept) > KEPT:
        _kept.popitem(last=False)
    return made


# Built once: a release check runs these for every group of every submission.
_RELEASE_ROW = select(GroupRelease.id, GroupRelease.released_at).where(
    GroupRelease.group_id == bindparam("group_id"),
    GroupRelease.period == bindparam("period"),
    GroupRelease.span == bindparam("span"),
)
_STORED = select(GroupRelease.versions, GroupRelease.cells).where(GroupRelease.id == bindparam("id"))


async def published_if_current(
    session: AsyncSession, engine: Engine, group: ComparisonGroup, members: list[Partner], period: date, span: Span
) -> Published | None:
    """The stored release while no (re-)release is due, else None."""
    key = await current_release_key(session, engine, group, members, period, span)
    if key is None:
        return None
    cached = _kept.get(key)
    if cached is not None:
        _kept.move_to_end(key)
        return cached
    record = await session.get(GroupRelease, key[0])
    if record is None:  # deleted meanwhile (its group was)
        return None
    return await published(session, record)


async def current_release_key(
    session: AsyncSession, engine: Engine, group: ComparisonGroup, members: list[Partner], period: date, span: Span
) -> tuple[int, datetime] | None:
    """(id, released_at) of the stored release while no (re-)release is due, else None: for a
    release check, which needs no more (the published form reads every cell's history).

    Whether one is due follows from who reported which revision; while no report of the
    span's months changed since this process last found the release current, that is
    known without reading them.
    """
    months = span_months(span, period)
    reports, _rows = await reports_now(session, months)
    state = (*reports, members_key(members))
    row = (await session.execute(_RELEASE_ROW, {"group_id": group.id, "period": period, "span": span.value})).first()
    if row is None:
        return None
    key = (row.id, row.released_at)
    if not known_current(key, state):
        stored = (await session.execute(_STORED, {"id": row.id})).first()
        if stored is None or not stored.cells:  # a row created but never released: a release is due
            return None
        if may_rerelease(stored.versions, await versions_of(session, members, months, reports), engine.policy):
            return None
        remember_current(key, state)
    return key
