"""Who reported which months in which revision, read again only when those months' reports changed.

Every check whether a group's figures are due needs them: with 1,000 partners that is
1,000 rows (about 3 ms), and a submission checks each group of the partner, then maybe
releases. Reports are never deleted and their revisions only rise
(app.figures.service.store_figures), so their count and the sum of their revisions, one
aggregate query, tell whether anything changed since this process last read them.
Kept per database engine: each app (and each test) its own.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import MonthReport

Report = tuple[int, date, int]  # partner id, month, revision
KEPT = 64  # sets of months per engine

_kept: WeakKeyDictionary[Engine | Connection, OrderedDict[tuple[date, ...], tuple[tuple[int, int], list[Report]]]] = (
    WeakKeyDictionary()
)

# Built once: constructing a statement costs about as much as running it.
_STATE = select(func.count(), func.coalesce(func.sum(MonthReport.revision), 0)).where(
    MonthReport.month.in_(bindparam("months", expanding=True))
)
_REPORTS = select(MonthReport.partner_id, MonthReport.month, MonthReport.revision).where(
    MonthReport.month.in_(bindparam("months", expanding=True))
)


async def reports_state(session: AsyncSession, months: Sequence[date]) -> tuple[int, int]:
    """How many reports these months have, and the sum of their revisions: moves with every change."""
    count, total = (await session.execute(_STATE, {"months": sorted(set(months))})).one()
    return int(count), int(total)


async def month_reports(
    session: AsyncSession, months: Sequence[date], state: tuple[int, int] | None = None
) -> list[Report]:
    """Every partner's reports of these months (do not change the list: it is shared).

    `state`: their `reports_state`, if the caller has just read it in this session. Selected
    by month only: an IN list of a large group's partner ids costs SQLite more than the rows
    of the other partners.
    """
    key = tuple(sorted(set(months)))
    # The state first, then the rows: rows newer than their state are only ever found
    # again under that older state, never taken for a later one.
    state = state or await reports_state(session, key)
    kept = _kept.setdefault(session.get_bind(), OrderedDict())
    found = kept.get(key)
    if found is not None and found[0] == state:
        kept.move_to_end(key)
        return found[1]
    connection = await session.connection()  # plain rows: no ORM processing of 1,000 tuples
    found_rows = await connection.execute(_REPORTS, {"months": list(key)})
    rows: list[Report] = [(pid, month, revision) for pid, month, revision in found_rows]
    kept[key] = (state, rows)
    while len(kept) > KEPT:
        kept.popitem(last=False)
    return rows
