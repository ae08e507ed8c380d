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
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmark.contributions import load_histories
from app.benchmark.service import versions_of
from app.models import ComparisonGroup, GroupRelease, Partner
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


async def published(session: AsyncSession, record: GroupRelease) -> Published:
    """The compact form of a stored release (cached while the process keeps it)."""
    key = (record.id, record.released_at)
    found = _kept.get(key)
    if found is not None:
        _kept.move_to_end(key)
        return found
    histories = await load_histories(session, record.id)
    ranks = {name: history.latest() for name, history in histories.items()}
    made = Published(record.released_at, dict(record.cells), ranks)
    _kept[key] = made
    while len(_kept) > KEPT:
        _kept.popitem(last=False)
    return made


async def published_if_current(
    session: AsyncSession, engine: Engine, group: ComparisonGroup, members: list[Partner], period: date, span: Span
) -> Published | None:
    """The stored release while no (re-)release is due, else None; decodes the big row only when not cached."""
    row = (
        await session.execute(
            select(GroupRelease.id, GroupRelease.released_at, GroupRelease.versions).where(
                GroupRelease.group_id == group.id, GroupRelease.period == period, GroupRelease.span == span.value
            )
        )
    ).first()
    if row is None:
        return None
    release_id, released_at, stored_versions = row
    current = await versions_of(session, members, span_months(span, period))
    if may_rerelease(stored_versions, current, engine.policy):
        return None
    cached = _kept.get((release_id, released_at))
    if cached is not None:
        _kept.move_to_end((release_id, released_at))
        return cached
    record = await session.get(GroupRelease, release_id)
    if record is None or not record.cells:
        return None
    return await published(session, record)
