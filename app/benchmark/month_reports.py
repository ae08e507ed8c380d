"""Who reported which months in which revision, kept per process and read again only where it changed.

Every check whether a group's figures are due needs them: with 1,000 partners that is
1,000 rows per month, and a submission checks each group of the partner, then maybe
releases. Reports are never deleted and their revisions only rise
(app.figures.service.store_figures), so their count and the sum of their revisions tell
whether anything changed since this process last read them.

After a change only the reports submitted lately are read again, together with the count
and sum in the same statement (one snapshot on either database). A report whose
transaction committed long after its submission time would not be among them; then the
sums differ and every report of the months is read again: each kept revision is at most
the stored one, so equal counts and sums mean equal revisions.
Kept per database engine: each app (and each test) its own.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import CompoundSelect, Connection, Engine, bindparam, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import READ_ONLY
from app.models import MonthReport, utcnow

Report = tuple[int, date, int]  # partner id, month, revision
KEPT = 64  # sets of months per engine
# Reports submitted this long before the newest one seen are read again after a change:
# a transaction commits this much after it took its time, or the months are read in full.
SLACK = timedelta(seconds=5)


@dataclass
class _Kept:
    state: tuple[int, int]  # count and sum of revisions, as last read
    revisions: dict[tuple[int, date], int]  # (partner, month) -> revision
    newest: datetime | None  # the latest submission time among them
    rows: list[Report]


_kept: WeakKeyDictionary[Engine | Connection, OrderedDict[tuple[date, ...], _Kept]] = WeakKeyDictionary()

_MEMO = "portal_month_reports"  # in the session's info: what it was answered

# Built once: constructing a statement costs about as much as running it.
_MONTHS = MonthReport.month.in_(bindparam("months", expanding=True))
_REPORTS = select(MonthReport.partner_id, MonthReport.month, MonthReport.revision, MonthReport.submitted_at).where(
    _MONTHS
)
# The reports submitted since `since`, and in the same statement per month their count and
# sum of revisions (rows with kind 1, count in partner_id, sum in revision).
_CHANGED: CompoundSelect[Any] = union_all(
    select(
        literal(0).label("kind"),
        MonthReport.partner_id,
        MonthReport.month,
        MonthReport.revision,
        MonthReport.submitted_at,
    ).where(_MONTHS, MonthReport.submitted_at >= bindparam("since", type_=MonthReport.submitted_at.type)),
    select(literal(1), func.count(), MonthReport.month, func.coalesce(func.sum(MonthReport.revision), 0), null())
    .where(_MONTHS)
    .group_by(MonthReport.month),
)


async def month_reports(
    session: AsyncSession, months: Sequence[date], state: tuple[int, int] | None = None
) -> list[Report]:
    """Every partner's reports of these months (do not change the list: it is shared).

    `state`: their count and sum of revisions (`reports_now`), if the caller has just read them
    (in any session of the same database); the rows returned are at least that new, and the
    database is not asked while this process has read nothing newer. Selected by month only: an IN list
    of a large group's partner ids costs SQLite more than the rows of the other partners.
    """
    return (await reports_now(session, months, state))[1]


async def reports_now(
    session: AsyncSession, months: Sequence[date], state: tuple[int, int] | None = None
) -> tuple[tuple[int, int], list[Report]]:
    """The reports' count and sum of revisions, and the reports, as `month_reports`.

    A read session (app.db.Database.read) asks the database once per set of months and is
    answered the same afterwards, as from a snapshot: a release check reads them several times.
    """
    key = tuple(sorted(set(months)))
    memo: dict[tuple[date, ...], tuple[tuple[int, int], list[Report]]] | None = (
        session.info.setdefault(_MEMO, {}) if session.info.get(READ_ONLY) else None
    )
    if memo is not None and key in memo and (state is None or memo[key][0] == state):
        return memo[key]
    kept = _kept.setdefault(session.get_bind(), OrderedDict())
    found = kept.get(key)
    if found is not None:
        kept.move_to_end(key)
        if found.state != state and not await _caught_up(session, key, found):
            found = None
    if found is None:
        kept[key] = found = await _read_all(session, key)
        while len(kept) > KEPT:
            kept.popitem(last=False)
    if memo is not None:
        memo[key] = (found.state, found.rows)  # the list is replaced, never changed, when reports change
    return found.state, found.rows


async def _caught_up(session: AsyncSession, key: tuple[date, ...], found: _Kept) -> bool:
    """Read the reports submitted lately into `found`; False if that does not account for every change."""
    if found.newest is None:
        return False
    connection = await session.connection()  # plain rows: no ORM processing
    # Not after now: a clock ahead on another machine must not hide the changes to come.
    since = min(found.newest, utcnow()) - SLACK
    result = await connection.execute(_CHANGED, {"months": list(key), "since": since})
    count = total = 0
    changed = False
    for kind, partner_or_count, month, revision, submitted_at in result:
        if kind == 1:
            count, total = count + partner_or_count, total + revision
            continue
        pair = (partner_or_count, month)
        if found.revisions.get(pair) != revision:
            found.revisions[pair] = revision
            changed = True
        found.newest = max(found.newest, submitted_at)
    if count != len(found.revisions) or total != sum(found.revisions.values()):
        return False
    found.state = (count, total)
    if changed:
        found.rows = [(pid, month, revision) for (pid, month), revision in found.revisions.items()]
    return True


async def _read_all(session: AsyncSession, key: tuple[date, ...]) -> _Kept:
    connection = await session.connection()
    revisions: dict[tuple[int, date], int] = {}
    newest: datetime | None = None
    for pid, month, revision, submitted_at in await connection.execute(_REPORTS, {"months": list(key)}):
        revisions[(pid, month)] = revision
        newest = submitted_at if newest is None else max(newest, submitted_at)
    rows = [(pid, month, revision) for (pid, month), revision in revisions.items()]
    return _Kept((len(revisions), sum(revisions.values())), revisions, newest, rows)
