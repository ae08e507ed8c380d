"""The members' values behind each released group figure, stored apart from the figures themselves.

A cell (one KPI of a group's release) is checked against every earlier release of it
(kpi.anonymity), so each time it shows new figures the values they were computed from
are kept. In a group of 1,000 partners these were megabytes of JSON in the release row,
decoded and rewritten at every release; here they are binary rows that only the releaser
and the rank tables read: the first release of a cell with every contributor, each later
one with only the partners that joined, left or changed (NaN: left).
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.models import ReleaseContribution
from kpi.anonymity import AnonymityPolicy, releasable_versions
from kpi.versions import column_versions, distinct_groups_after, next_versions_row


@dataclass(frozen=True)
class CellHistory:
    """Every release of one cell: `matrix[r, c]` is partner `ids[c]`'s value in release r (NaN: none)."""

    ids: np.ndarray  # sorted partner ids, every partner that ever contributed
    matrix: np.ndarray
    # The history this one adds a release to, until `versions` is asked for: if that one was
    # audited, only the new release needs numbering. Dropped then, so that histories do not hold
    # on to all before them.
    _parent: list[CellHistory] = field(default_factory=list, compare=False, repr=False)
    _versions: list[np.ndarray] = field(default_factory=list, compare=False, repr=False)  # computed once
    # kpi.versions.distinct_groups_after of the versions, computed with them: the numbers, and (index, counts)
    _distinct: list[np.ndarray] = field(default_factory=list, compare=False, repr=False)
    _groups: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list, compare=False, repr=False)
    # Arrays whose first rows are `matrix` and the versions, with rows free for the next release (`_grown`).
    _room: list[np.ndarray] = field(default_factory=list, compare=False, repr=False)
    _versions_room: list[np.ndarray] = field(default_factory=list, compare=False, repr=False)

    def versions(self) -> np.ndarray:
        """kpi.versions.column_versions of `matrix` (asked for only where the audit runs)."""
        if not self._versions:
            parent = self._parent.pop() if self._parent else None
            if parent is not None and len(parent.matrix) == len(self.matrix) - 1:
                # Numbered from the parent's versions (numbered whole first if it has none yet, e.g. read
                # again from the database: kept with it, so that the next release needs only its row).
                earlier, distinct, room = parent.versions(), parent._distinct[0], parent._versions_room
                if not np.array_equal(parent.ids, self.ids):
                    at = np.searchsorted(self.ids, parent.ids)
                    wide = np.full((len(earlier), len(self.ids)), -1, dtype=np.int64)
                    wide[:, at] = earlier
                    # Partners new to the history: absent from every earlier release, a column of
                    # their own kind (every partner of the parent contributed to some release).
                    widened = np.full(len(self.ids), distinct.max(initial=-1) + 1, dtype=np.int64)
                    widened[at] = distinct
                    earlier, distinct, room = wide, widened, []
                versions, self._versions_room[:] = _grown(earlier, room, next_versions_row(earlier, self.matrix))
                self._versions.append(versions)
                self._numbered(distinct, versions)
            else:
                self._versions.append(column_versions(self.matrix))
                self._numbered(None, self._versions[0])
        return self._versions[0]

    def releasable(self, policy: AnonymityPolicy) -> bool:
        """Whether the last release may be shown after all before it: kpi.anonymity.may_release_matrix
        and differencing_safe_matrix, on the distinct columns kept from release to release."""
        versions = self.versions()
        return releasable_versions(versions, self._distinct[0], policy, self._groups[0])

    def _numbered(self, earlier: np.ndarray | None, versions: np.ndarray) -> None:
        numbers, index, counts = distinct_groups_after(earlier, versions)
        self._distinct.append(numbers)
        self._groups.append((index, counts))

    def latest(self) -> tuple[np.ndarray, np.ndarray]:
        """Partner ids and values of the last release (ids sorted)."""
        row = self.matrix[-1]
        present = ~np.isnan(row)
        return self.ids[present], row[present]

    def shows(self, ids: np.ndarray, values: np.ndarray) -> bool:
        """Whether the last release showed exactly these partners' values (`ids` sorted)."""
        row = self.matrix[-1]
        if len(ids) == len(self.ids):  # the usual case: every partner ever in the history, none absent
            return np.array_equal(row, values) and np.array_equal(self.ids, ids)
        present = ~np.isnan(row)
        return np.array_equal(self.ids[present], ids) and np.array_equal(row[present], values)

    def with_candidate(self, ids: np.ndarray, values: np.ndarray) -> CellHistory:
        """This history with one more release (`ids` sorted, no NaN in `values`) as its last row."""
        if np.array_equal(self.ids, ids):  # the usual case: the same partners as ever
            matrix, room = _grown(self.matrix, self._room, values)
            return CellHistory(self.ids, matrix, [self], _room=room)
        union = np.union1d(self.ids, ids)
        rows = len(self.matrix) + 1
        buffer = np.full((2 * rows, len(union)), np.nan)
        buffer[: rows - 1, np.searchsorted(union, self.ids)] = self.matrix
        buffer[rows - 1, np.searchsorted(union, ids)] = values
        return CellHistory(union, buffer[:rows], [self], _room=[buffer])


def _grown(rows: np.ndarray, room: list[np.ndarray], row: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """`rows` with `row` below it, and the room for the release after.

    A history gains a release at each re-release; copying it whole every time cost most of a
    1,000-partner group's audit. So the rows live in a larger array, and `row` goes into the
    free rows of `room` (whose first rows are `rows`) if it has some and no other history took
    them (taking them empties `room`: a second candidate on the same history copies); else
    into a new array twice the size. Earlier histories see only their own first rows.
    """
    n = len(rows)
    buffer = room.pop() if room else None
    if buffer is None or len(buffer) <= n:
        buffer = np.empty((max(2 * n, 8), *rows.shape[1:]), dtype=rows.dtype)
        buffer[:n] = rows
    buffer[n] = row
    return buffer[: n + 1], [buffer]


def first_release(ids: np.ndarray, values: np.ndarray) -> CellHistory:
    return CellHistory(ids, values[None, :].astype(float))


def encode(ids: np.ndarray, values: np.ndarray) -> bytes:
    return np.asarray(ids, dtype="<i8").tobytes() + np.asarray(values, dtype="<f8").tobytes()


def decode(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    n = len(data) // 16
    return np.frombuffer(data, dtype="<i8", count=n), np.frombuffer(data, dtype="<f8", offset=8 * n)


def last_change(history: CellHistory) -> tuple[np.ndarray, np.ndarray]:
    """What the last release changed against the one before (all of it for a first release)."""
    if len(history.matrix) == 1:
        return history.latest()
    before, after = history.matrix[-2], history.matrix[-1]
    changed = ~((before == after) | (np.isnan(before) & np.isnan(after)))
    return history.ids[changed], after[changed]


async def load_histories(session: AsyncSession, release_id: int) -> dict[str, CellHistory]:
    """Every cell's history of a release, rebuilt from its stored rows."""
    rows = await session.execute(
        select(ReleaseContribution.key, ReleaseContribution.data)
        .where(ReleaseContribution.release_id == release_id)
        .order_by(ReleaseContribution.key, ReleaseContribution.seq)
    )
    changes: dict[str, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
    for key, data in rows:
        changes[key].append(decode(data))
    histories = {}
    for key, steps in changes.items():
        ids = np.unique(np.concatenate([step_ids for step_ids, _ in steps]))
        matrix = np.full((len(steps), len(ids)), np.nan)
        row = np.full(len(ids), np.nan)
        for r, (step_ids, step_values) in enumerate(steps):
            row[np.searchsorted(ids, step_ids)] = step_values
            matrix[r] = row
        histories[key] = CellHistory(ids, matrix)
    return histories


async def histories_at(session: AsyncSession, release_id: int, released_at: datetime) -> dict[str, CellHistory]:
    """`load_histories` of a release as it stood at `released_at`, kept per process.

    Rows are only ever added, and only by a release that changes the figures and so moves
    `released_at`: the pair names one state of the histories. Callers must not change them.
    """
    key = (release_id, released_at)
    found = _histories.get(key)
    if found is None:
        found = _continued(await load_histories(session, release_id), _latest_kept(release_id))
        _histories[key] = found
        while len(_histories) > KEPT_HISTORIES:
            _histories.popitem(last=False)
    else:
        _histories.move_to_end(key)
    return found


def _latest_kept(release_id: int) -> dict[str, CellHistory]:
    """The newest state of the release this process keeps (another worker released since), or nothing."""
    states = [(at, histories) for (rid, at), histories in _histories.items() if rid == release_id]
    return max(states, key=lambda state: state[0])[1] if states else {}


def _continued(read: dict[str, CellHistory], kept: dict[str, CellHistory]) -> dict[str, CellHistory]:
    """The histories `read` from the database, those that continue one `kept` (rows are only ever
    added, so a kept state is where the stored one began) grown from it a release at a time: their
    versions are numbered from the kept ones for the new rows only, instead of afresh for all
    (on two workers each release of the other one's made the next audit number every history)."""
    histories = dict(read)
    for key, whole in read.items():
        history = kept.get(key)
        if history is None or not history._versions or not len(history.matrix) < len(whole.matrix):
            continue
        for row in whole.matrix[len(history.matrix) :]:
            present = ~np.isnan(row)
            history = history.with_candidate(whole.ids[present], row[present])
            history.versions()
        histories[key] = history
    return histories


def remember_histories(release_id: int, released_at: datetime, histories: dict[str, CellHistory]) -> None:
    """Keep what `histories_at(release_id, released_at)` would load, for a release just written with
    these histories: the next check of the group need not read and decode them again."""
    _histories[(release_id, released_at)] = histories
    while len(_histories) > KEPT_HISTORIES:
        _histories.popitem(last=False)


KEPT_HISTORIES = 32  # releases (a group and month each) per process
_histories: OrderedDict[tuple[int, datetime], dict[str, CellHistory]] = OrderedDict()


def keep(session: Session, release_id: int, kept: dict[str, CellHistory]) -> None:
    """Store the last release of each cell's history (a row of what changed; the whole of a first release),
    in one statement: on SQLite every round trip is spent holding the write lock."""
    rows = []
    for key, history in kept.items():
        ids, values = last_change(history)
        rows.append({"release_id": release_id, "key": key, "seq": len(history.matrix) - 1, "data": encode(ids, values)})
    if rows:
        session.execute(insert(ReleaseContribution), rows)
