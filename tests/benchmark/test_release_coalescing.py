"""Release checks of one group and month: one at a time, one more for all that asked meanwhile,
and under load (requests queueing) at most one start per interval."""

from __future__ import annotations

import asyncio
import time
from datetime import date

from app.benchmark.pacing import Backlog, CoalescedReleases

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


async def test_without_load_a_due_check_starts_at_once_whatever_the_interval() -> None:
    backlog = Backlog()
    releases = CoalescedReleases(interval=30.0, busy=backlog.busy)
    checks = Checks()
    for _ in range(3):  # one submission after another, each answered before the next
        checks.committed += 1
        backlog.enter()
        await releases.run((1, MONTH), checks.check)
        backlog.leave()
    assert checks.seen == [1, 2, 3]  # no check waits for the 30 s
    await releases.idle()


async def test_requests_queueing_bring_the_interval_back_until_the_process_is_calm_again() -> None:
    backlog = Backlog(busy_from=3, calm_after=0.2)
    releases = CoalescedReleases(interval=30.0, busy=backlog.busy)
    assert not backlog.busy() and releases.spacing() == 0
    for _ in range(3):
        backlog.enter()
    assert backlog.busy() and releases.spacing() == 30.0
    for _ in range(3):
        backlog.leave()
    assert backlog.busy()  # a queue comes and goes between requests; the interval stays a while
    checks = Checks()
    await releases.run((1, MONTH), checks.check)
    await releases.run((1, MONTH), checks.check)  # within the interval: waits in the background
    assert len(checks.seen) == 1
    await asyncio.sleep(0.25)
    assert not backlog.busy() and releases.spacing() == 0
    await releases.close()  # the waiting check is dropped at shutdown, as before
