"""When release checks run: one at a time, each group at most once per period, and each started
by a submission of its group where one is coming soon.

A release of a 1,000-partner group (computed, written, fanned out to 1,000 dashboards)
costs a hundred times a submission. Released per submission at 20 submissions a second,
the releases would take the whole event loop and the submissions would queue behind them.
Instead every active group may start a check once per period, the period set so that the
checks of all of them take at most a share of the process's time. A submission arriving
while its group's period runs waits with the others for one check that shows them all.

That check starts with the group's next submission once the period is over, if the group's
submissions come often enough for one to be expected soon (`Patience`): a release shows the
figures as they were when its check began, and one begun at a submission shows that
submission at once, where one begun at an arbitrary moment shows figures already up to a
gap between two submissions old. Otherwise the check starts when the period is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date
from typing import Any

logger = logging.getLogger(__name__)

Key = tuple[int, date]  # (group id, month)


@dataclass(frozen=True)
class Later:
    """Check the group again after this many seconds (another worker released it meanwhile)."""

    seconds: float


# A release check: None when done, the seconds after which it must run again, or what to do
# once it is timed (send the release, still within its turn: the period counts computing, not sending).
Check = Callable[[], Awaitable[float | Coroutine[Any, Any, None] | None]]


@dataclass(frozen=True)
class Patience:
    """How long a due check waits for its group's next submission: `submissions` times the
    group's usual spacing of submissions if that is at most `longest`; else not at all (no
    submission is expected soon)."""

    submissions: float = 8.0  # no submission in eight usual spacings: e^-8, three in ten thousand
    longest: float = 5.0

    def seconds(self, spacing: float) -> float:
        wait = self.submissions * spacing
        return wait if wait <= self.longest else 0.0


# A group counts as active (its checks share the time with the others) this long after a submission.
ACTIVE = 5.0
# The submissions have stopped when none came for twice their usual spacing and four usual
# deviations from it (at least QUIET_LEAST seconds): checks still owed need not wait for their
# periods, nothing is crowded out. Submissions at random moments (a Poisson stream) pause that
# long about once in four hundred; a steady stream deviates little, and its end is seen soon.
# (Once the spacing: a steady stream through two busy workers paused that long every thirtieth
# gap, and each time every owed check began at once, queueing for its turn: bench/README.md.)
QUIET_SPACINGS = 2.0
QUIET_DEVIATIONS = 4.0
QUIET_LEAST = 0.05
# A loop that wakes a task this much later than asked was busy (with a check, a fan-out):
# submissions that came meanwhile may not be noted yet, so no silence is seen then.
QUIET_LATE = 0.01


class Turns:
    """One at a time; of those waiting, the one with the lowest `rank` next (then the earliest).
    A turn asked for with `gather` is not taken at once even if free: those asking in the same
    round of the event loop (checks begun together when the submissions stopped) go by rank too."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @contextlib.asynccontextmanager
    async def turn(self, rank: float, gather: bool = False) -> AsyncIterator[None]:
        if self._busy or self._waiting or gather:
            loop = asyncio.get_running_loop()
            granted = loop.create_future()
            entry = (rank, next(self._order), granted)
            heapq.heappush(self._waiting, entry)
            if not self._busy:
                self._busy = True
                loop.call_soon(self._next)
            try:
                await granted
            except asyncio.CancelledError:
                if granted.done() and not granted.cancelled():
                    self._next()  # the turn came with the cancellation: pass it on
                else:
                    self._waiting.remove(entry)
                    heapq.heapify(self._waiting)
                raise
        self._busy = True
        try:
            yield
        finally:
            self._next()

    def _next(self) -> None:
        while self._waiting:
            _, _, granted = heapq.heappop(self._waiting)
            if not granted.done():
                granted.set_result(None)  # still busy: the turn passes straight on
                return
        self._busy = False


@dataclass
class Arrivals:
    """When the last one came, and the usual time between them (moving averages)."""

    last: float = -math.inf
    spacing: float = math.inf
    deviation: float = 0.0  # how far a spacing usually is from `spacing`

    def note(self, now: float) -> None:
        if math.isfinite(self.last):
            gap = now - self.last
            if gap > ACTIVE:
                # Not a spacing of these arrivals but a pause between two runs of them: the usual
                # spacing is the next gap's (averaged in, a pause would take twenty arrivals to forget).
                self.spacing, self.deviation = math.inf, 0.0
            elif math.isinf(self.spacing):
                self.spacing = gap
            else:
                self.deviation = 0.8 * self.deviation + 0.2 * abs(gap - self.spacing)
                self.spacing = 0.8 * self.spacing + 0.2 * gap
        self.last = now


@dataclass
class _Group:
    check: Check | None = None  # the newest check asked for: it reads the figures as they are then
    running: bool = False
    asked: bool = False  # a submission arrived since the last check began
    ready_at: float = -math.inf  # the next check may begin from then on
    cost: float = 0.0  # seconds the last check took
    weight: int = 1  # the dashboards waiting for its release
    asks: Arrivals = field(default_factory=Arrivals)  # the group's submissions
    waiter: asyncio.Task[None] | None = None  # the check waiting for its time in the background


class CoalescedReleases:
    """At most one release check per group and month at a time in this process; the checks of
    all groups one after another and together within `share` of the process's time.

    Every group active in the last `ACTIVE` seconds may begin a check once per period, the
    period being the time the last checks of all of them took together divided by `share`
    (share 1: no periods, a check owed begins as soon as the one before ended). A submission
    arriving while its group's check runs or its period lasts does not queue a check of its
    own: one check covers every submission up to its start. The request whose submission finds
    the group's period over runs the check itself and answers when it and its release are done,
    so without load its figures are released by then. A check still owed runs in the background
    with the group's next submission after the period, or when the `Patience` for that is over,
    or as soon as the submissions have stopped (`QUIET_DEVIATIONS`). Checks waiting for their
    turn go in the order of `Turns`: the least time per waiting dashboard first.
    """

    def __init__(self, share: float = 0.2, patience: Patience | None = None) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], not {share}")
        self.share = share
        self.patience = patience or Patience()
        self._groups: dict[Key, _Group] = {}
        self._submissions = Arrivals()  # every group's
        self._turns = Turns()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._stir = asyncio.Event()  # set when a waiter has seen the submissions stop: the others look too

    async def run(self, key: Key, check: Check, weight: int = 1) -> None:
        """Ask for a check of the group (`weight`: how many wait for its release, e.g. its members)."""
        now = time.monotonic()
        if len(self._groups) > 64:
            self._forget_idle(now)
        group = self._groups.setdefault(key, _Group())
        group.asks.note(now)
        group.check, group.asked, group.weight = check, True, max(1, weight)
        if group.running or self._closing:
            return  # the running check's end sees `asked` and plans the next
        if now >= group.ready_at:
            await self._check(key, group)
        else:
            self._wait(key, group, self._owed_until(group))

    def _forget_idle(self, now: float) -> None:
        for key, group in list(self._groups.items()):
            waiting = group.waiter is not None and not group.waiter.done()
            if not (group.running or group.asked or waiting) and now - group.asks.last > ACTIVE:
                del self._groups[key]

    def note_submission(self) -> None:
        """A submission came (before `run` for each of its groups): how often they come tells when they stopped."""
        self._submissions.note(time.monotonic())

    def quiet_from(self) -> float:
        """When the submissions will count as stopped if none comes before (never, if none was noted)."""
        usual = self._submissions
        if math.isinf(usual.spacing):
            return math.inf
        return usual.last + max(QUIET_LEAST, QUIET_SPACINGS * usual.spacing + QUIET_DEVIATIONS * usual.deviation)

    def _owed_until(self, group: _Group) -> float:
        if self.share >= 1:  # all the time for checks: no periods, and none waits for a submission
            return group.ready_at
        return group.ready_at + self.patience.seconds(group.asks.spacing)

    def period(self, now: float) -> float:
        """Seconds between the starts of a group's checks: the active groups' last checks together, by the share."""
        if self.share >= 1:
            return 0.0
        cost = sum(g.cost for g in self._groups.values() if now - g.asks.last < ACTIVE or g.running)
        return cost / self.share

    async def _check(
        self, key: Key, group: _Group, quiet: tuple[float, float] | None = None, background: bool = False
    ) -> None:
        """Run the group's check when its turn comes; `quiet`: (when, until) if it began because
        the submissions had stopped then, though it could wait for the group's next one until;
        `background`: not begun by a submission (`Turns` gathers those)."""
        if group.waiter is not None and group.waiter is not asyncio.current_task():
            group.waiter.cancel()
        group.waiter = None
        group.running = True
        retry: float | None = None
        resume: float | None = None
        try:
            # Of the checks waiting, the one whose time per waiting dashboard is least goes first
            # (Smith's rule: the least waiting of all dashboards together).
            async with self._turns.turn(group.cost / group.weight, gather=background):
                if quiet is not None and self._resumed(group, *quiet):
                    resume = quiet[1]  # with the group's next submission after all
                    return
                group.asked = False  # whoever asked so far is covered by this check
                start = time.monotonic()
                assert group.check is not None
                outcome = await group.check()
                end = time.monotonic()
                group.cost = end - start
                group.ready_at = start + self.period(end)
                if isinstance(outcome, float | int):
                    retry = outcome
                elif outcome is not None:
                    # Sent before the next check begins: releases are finished one after the other,
                    # not all of them late together (the sending is not counted in the period).
                    await outcome
        finally:
            group.running = False
            if retry is not None:
                group.asked = True
                self._wait(key, group, time.monotonic() + retry, owed=False)
            elif resume is not None:
                self._wait(key, group, resume)
            elif group.asked:
                self._wait(key, group, self._owed_until(group))

    def _resumed(self, group: _Group, when: float, until: float) -> bool:
        """The submissions came again while the check waited for its turn (they had only paused), though
        none of the group's: its next one may yet begin the check, letting the others' turns go first."""
        now = time.monotonic()
        return now < until and self.quiet_from() > now and group.asks.last < when

    def _wait(self, key: Key, group: _Group, until: float, owed: bool = True) -> None:
        """Check the group at `until` in the background, unless a submission begins the check before;
        a check `owed` to submissions also once the submissions have stopped (`QUIET_DEVIATIONS`)."""
        if self._closing or (group.waiter is not None and not group.waiter.done()):
            return

        async def wait() -> None:
            wake = -math.inf  # look at once
            while True:
                if slept := (rest := wake - time.monotonic()) > 0:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(rest):
                            await self._stir.wait()
                now = time.monotonic()
                if now >= until:
                    break
                # Each submission moves the moment the submissions count as stopped: look again then.
                if (quiet := self.quiet_from() if owed else until) > now:
                    wake = min(until, quiet)
                elif slept and now - wake > QUIET_LATE:
                    # Woken late, the loop was busy: submissions may wait unread in it. They
                    # have stopped only if none comes while it is free for a moment.
                    wake = now + QUIET_LEAST
                else:
                    # Every waiter owed a check sees it now, and all go to their turns in one round
                    # of the loop: `Turns` gathers them, the largest group first (not the first awake).
                    self._stir.set()
                    self._stir = asyncio.Event()
                    break
            if group.asked and not group.running:
                await self._check(key, group, (now, until) if now < until else None, background=True)

        group.waiter = self.soon(wait())

    def soon(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run `work` in the background, waited for by `idle` and dropped by `close`."""
        task = asyncio.create_task(work)
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)
        return task

    async def idle(self) -> None:
        """Wait until no check runs or waits in the background."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Drop the checks still waiting (shutdown): the figures are stored, and the next
        submission or page view of the group finds its release due and makes it."""
        self._closing = True
        for task in self._tasks:
            task.cancel()
        await self.idle()


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("release work in the background failed", exc_info=task.exception())
