"""Release checks of one group and month: one at a time, one more for all that asked meanwhile,
and under load at most one start per interval."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import date

import pytest

from app.benchmark.pacing import CoalescedReleases, LoopLag

MONTH = date(2026, 11, 1)


class Checks:
    """A release check that takes a while and notes what it found stored, and when it started."""

    def __init__(self) -> None:
        self.committed = 0
        self.seen: list[int] = []
        self.starts: list[float] = []

    async def check(self) -> None:
        self.starts.append(time.monotonic())
        found = self.committed
        await asyncio.sleep(0.05)  # submissions keep arriving meanwhile
        self.seen.append(found)


async def test_submissions_during_a_check_share_one_more_check_and_none_is_lost() -> None:
    releases = CoalescedReleases()
    checks = Checks()

    async def submit(after: float) -> None:
        await asyncio.sleep(after)
        checks.committed += 1
        await releases.run((1, MONTH), checks.check)

    await asyncio.gather(*(submit(i * 0.01) for i in range(5)))
    await releases.idle()
    # The first runs at once, the four arriving during it get one more check together.
    assert checks.seen == [1, 5]
    await submit(0)
    assert checks.seen == [1, 5, 6]  # without load the submitting request runs the check itself
    await asyncio.gather(releases.run((2, MONTH), checks.check), releases.run((1, MONTH), checks.check))
    assert len(checks.seen) == 5  # other groups are not held up by this one


async def test_under_load_a_group_is_checked_once_per_interval_and_the_last_submission_is_covered() -> None:
    releases = CoalescedReleases(interval=0.3)
    checks = Checks()

    async def submit() -> float:
        checks.committed += 1
        start = time.monotonic()
        await releases.run((1, MONTH), checks.check)
        return time.monotonic() - start

    answered = []
    for _ in range(40):  # 40 submissions in 0.8 s
        answered.append(asyncio.create_task(submit()))
        await asyncio.sleep(0.02)
    waits = await asyncio.gather(*answered)
    await releases.idle()
    gaps = [b - a for a, b in zip(checks.starts, checks.starts[1:], strict=False)]
    assert len(checks.seen) <= 4 and min(gaps) >= 0.3 - 0.01  # not one per submission
    assert checks.seen[-1] == 40  # the last check saw every submission
    assert max(waits[1:]) < 0.2  # requests arriving meanwhile do not wait for the interval
    await asyncio.sleep(0.3)
    await releases.run((1, MONTH), checks.check)  # after a quiet interval: at once, in the request
    assert checks.seen[-1] == 40 and len(checks.seen) == len(gaps) + 2


async def test_an_idle_process_checks_a_group_at_once_a_busy_one_once_per_interval() -> None:
    lag = [0.0]  # how late the event loop runs its timers lately
    releases = CoalescedReleases(interval=0.6, lag=lambda: lag[0])
    checks = Checks()

    async def burst() -> list[float]:
        """Five submissions 0.1 s apart. Returns the starts of this burst's checks."""
        before = len(checks.starts)
        for _ in range(5):
            checks.committed += 1
            await releases.run((1, MONTH), checks.check)
            await asyncio.sleep(0.1)
        await releases.idle()
        return checks.starts[before:]

    idle = await burst()
    assert len(idle) == 5 and checks.seen[-1] == 5  # one check per submission, none waits
    lag[0] = CoalescedReleases.BUSY_LAG
    busy = await burst()
    assert checks.seen[-1] == 10  # the last submission is covered all the same
    assert len(busy) <= 2 and all(b - a >= 0.6 - 0.01 for a, b in itertools.pairwise(busy))
    lag[0] = (CoalescedReleases.IDLE_LAG + CoalescedReleases.BUSY_LAG) / 2
    assert releases.spacing() == pytest.approx(0.3)


async def test_loop_lag_grows_while_the_loop_is_blocked_and_falls_when_it_is_free() -> None:
    lag = LoopLag(every=0.02, window=0.2)
    assert lag() == 0.0  # starts measuring
    try:
        for _ in range(10):  # 0.1 s of every 0.12 s spent in work that does not yield
            time.sleep(0.1)  # noqa: ASYNC251  (a blocked loop is what is measured)
            await asyncio.sleep(0.02)
        assert lag() > CoalescedReleases.BUSY_LAG
        await asyncio.sleep(0.5)
        assert lag() < CoalescedReleases.IDLE_LAG
    finally:
        await lag.stop()
