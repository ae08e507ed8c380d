"""Release checks of one group and month: one at a time, one more for all that asked meanwhile,
and under load at most one release per interval."""

from __future__ import annotations

import asyncio
import time
from datetime import date

from app.benchmark.pacing import CoalescedReleases

MONTH = date(2026, 11, 1)


class Checks:
    """A release check that takes a while and notes what it found stored, and when it started.

    It releases once `due` submissions arrived since its last release (the anonymity rule's
    changed partners; 1: every check releases)."""

    def __init__(self, due: int = 1) -> None:
        self.due = due
        self.committed = 0
        self.seen: list[int] = []
        self.starts: list[float] = []
        self.released: list[int] = []  # submissions shown by each release

    async def check(self) -> bool:
        self.starts.append(time.monotonic())
        found = self.committed
        await asyncio.sleep(0.05)  # submissions keep arriving meanwhile
        self.seen.append(found)
        if found - (self.released[-1] if self.released else 0) < self.due:
            return False
        self.released.append(found)
        return True


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


async def test_a_check_that_released_nothing_does_not_hold_up_the_submission_that_makes_the_group_due() -> None:
    releases = CoalescedReleases(interval=1.0)
    checks = Checks(due=3)

    async def submit() -> float:
        checks.committed += 1
        start = time.monotonic()
        await releases.run((1, MONTH), checks.check)
        return time.monotonic() - start

    for _ in range(3):  # three partners, each after the last one's check: only the third releases
        assert await submit() < 0.5
    assert checks.released == [3]
    for _ in range(3):  # the next three come within the interval of that release: they wait for it
        waited = await submit()
    await releases.idle()
    assert checks.released == [3, 6] and waited < 0.5
    assert checks.starts[-1] - checks.starts[2] >= 1.0 - 0.01
