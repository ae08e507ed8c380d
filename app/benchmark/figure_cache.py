"""Entered figures of large groups, kept per process and read again only where a month's report changed.

Every change to a partner's figures of a month raises the revision of its report
(app.figures.service.store_month), so a (partner, month) read at one revision stays
valid until the revision moves. A release of a 1,000-partner group reads two months of
figures (60,000 rows, 0.4 s); with this, it reads the reports' revisions and the few
partners that changed. Kept per database engine: each app (and each test) its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from weakref import WeakKeyDictionary

import numpy as np
from sqlalchemy import Connection, Engine, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmark.month_reports import month_reports
from app.models import Figure, MonthReport

Rows = dict[tuple[int, date], tuple[int, np.ndarray]]  # (partner, month) -> (revision, value per key)

_kept: WeakKeyDictionary[Engine | Connection, dict[tuple[str, ...], Rows]] = WeakKeyDictionary()
LIMIT = 500_000  # (partner, month) rows per engine and key list before the cache starts afresh
FEW = 200  # up to this many partners to read, their ids go into the query; more: read by month, filter here


async def figures_of(
    session: AsyncSession, partner_ids: set[int], months: Sequence[date], metric_keys: dict[int, str], keys: list[str]
) -> Rows:
    """(partner, month) -> (revision, values in the order of `keys`, NaN where none) of every reported month."""
    per_keys = _kept.setdefault(session.get_bind(), {})
    rows = per_keys.setdefault(tuple(keys), {})
    if len(rows) > LIMIT:
        rows.clear()
    revisions = {
        (pid, month): revision for pid, month, revision in await month_reports(session, months) if pid in partner_ids
    }
    stale = {pair for pair, revision in revisions.items() if pair not in rows or rows[pair][0] != revision}
    if stale:
        rows.update(await _read(session, stale, revisions, metric_keys, keys))
    return {pair: rows[pair] for pair in revisions}


async def _read(
    session: AsyncSession,
    pairs: set[tuple[int, date]],
    revisions: dict[tuple[int, date], int],
    metric_keys: dict[int, str],
    keys: list[str],
) -> Rows:
    layer = {k: i for i, k in enumerate(keys)}
    found: Rows = {pair: (revisions[pair], np.full(len(keys), np.nan)) for pair in pairs}
    partners = {pid for pid, _ in pairs}
    query = (
        select(Figure.partner_id, Figure.month, Figure.metric_id, Figure.value, MonthReport.revision)
        .join(MonthReport, and_(MonthReport.partner_id == Figure.partner_id, MonthReport.month == Figure.month))
        .where(Figure.month.in_({m for _, m in pairs}), Figure.metric_id.in_(metric_keys))
    )
    if len(partners) <= FEW:
        query = query.where(Figure.partner_id.in_(partners))
    for pid, month, metric_id, value, revision in await session.execute(query):
        entry = found.get((pid, month))
        if entry is None:
            continue
        if entry[0] != revision:  # changed since the revisions were read: label the values with their own
            entry = found[(pid, month)] = (revision, entry[1])
        entry[1][layer[metric_keys[metric_id]]] = value
    return found
