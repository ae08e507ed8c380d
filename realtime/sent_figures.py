"""What the dashboards were sent of each group's figures, so that an update carries only what changed.

A release is computed whole, but a submission moves few of its cells: a correction of one
partner's revenue changes 14 of the 50 KPIs of "Alle Partner", and often none of them once
rounded. A thousand dashboards need not decode the other cells again, nor hear of a release
that changed nothing (`kpi:update` comes "after a submission changes that group's released
figures", shared/CONTRACT.md).

The baseline is what this process's sockets were delivered, in the order they got it: its own
updates and, with Redis, those of the other workers (the manager asks before each delivery).

A release older than one delivered is neither sent (its `released_at` no later) nor, when it
comes from another worker, delivered (`released_at` earlier): it could only take cells back.
Two workers releasing the same group within a Redis round trip each send theirs, and Redis may
bring the older one last. Nothing is lost by it: the newer release shows every submission
stored before its `released_at`, and each submission's own release reads after it was stored.

Each worker's update carries what changed against its own baseline; while two updates of a
group cross in Redis, a cell one of them changed and the other set back can stay behind. So
that this cannot last, an update carries all cells again once the last such update is
`whole_every` seconds old.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class _Sent:
    cells: dict[str, Any] = field(default_factory=dict)
    whole_at: float = float("-inf")  # when an update last carried every cell
    released_at: datetime | None = None  # of the newest update delivered


class SentFigures:
    def __init__(self, kept: int = 512, whole_every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._sent: OrderedDict[tuple[int, str], _Sent] = OrderedDict()
        self._kept, self._whole_every, self._clock = kept, whole_every, clock

    def update(
        self, group_id: int, period: str, cells: dict[str, Any], released_at: datetime | None = None
    ) -> dict[str, Any]:
        """The cells of a release that an update must carry: none if nothing changed or a release
        read no earlier was delivered, all of them when the last whole update is old (or none is known)."""
        sent = self._entry((group_id, period))
        if released_at is not None and sent.released_at is not None and released_at <= sent.released_at:
            return {}
        changed = {k: cell for k, cell in cells.items() if sent.cells.get(k) != cell}
        if changed and self._clock() - sent.whole_at >= self._whole_every:
            sent.whole_at = self._clock()
            return dict(cells)
        return changed

    def delivered(self, update: dict[str, Any]) -> bool:
        """Whether a `kpi:update` about to reach this process's sockets (its own or another
        worker's) is to be delivered: not if it was read before one already delivered."""
        try:
            key, cells = (int(update["group"]), str(update["period"])), update["kpis"]
            released_at = datetime.fromisoformat(update["released_at"]) if "released_at" in update else None
        except (KeyError, TypeError, ValueError):
            return True
        sent = self._entry(key)
        if released_at is not None and sent.released_at is not None and released_at < sent.released_at:
            return False
        sent.cells.update(cells)
        if released_at is not None and (sent.released_at is None or released_at > sent.released_at):
            sent.released_at = released_at
        return True

    def _entry(self, key: tuple[int, str]) -> _Sent:
        sent = self._sent.pop(key, None) or _Sent()
        self._sent[key] = sent  # the most recent last
        while len(self._sent) > self._kept:
            self._sent.popitem(last=False)
        return sent
