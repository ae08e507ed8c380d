"""Release checks: one at a time per group, one more for all that asked meanwhile, and all groups'
checks of a process taking turns within a share of its time (the gate)."""

from __future__ import annotations

import asyncio
import time
from datetime import date

import pytest

from app.benchmark.pacing import CoalescedReleases, ReleaseGate

MONTH = date(2026, 11, 1)


class Checks:
    """A release check that takes a while and notes what it found stored, and when it ran."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.committed = 0
        self.seen: list[int] = []
        self.runs: list[tuple[float, float]] = []  # (start, end)

    async def check(self) -> None:
        start = time.monotonic()
        found = self.committed
        await asyncio.sleep(self.seconds)  # submissions keep arriving meanwhile
        self.seen.append(found)
        self.runs.append((start, time.monotonic()))


async def test_submissions_during_a_check_share_one_more_check_and_none_is_lost() -> None:
    releases = CoalescedReleases(ReleaseGate(share=1.0))
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
    await releases.idle()
    assert len(checks.seen) == 5  # other groups are not held up by this one: they take turns


async def test_checks_of_all_groups_take_turns_within_their_share_of_the_time() -> None:
    releases = CoalescedReleases(ReleaseGate(share=0.5))
    checks = Checks(seconds=0.04)
    checks.committed = 1
    answered = []
    for group in range(6):  # six groups due at once
        start = time.monotonic()
        await releases.run((group, MONTH), checks.check)
        answered.append(time.monotonic() - start)
    await releases.idle()
    assert len(checks.seen) == 6  # every group was checked
    assert answered[0] >= 0.04 and max(answered[1:]) < 0.02  # only the first request waited for its check
    for (_, end), (start, _) in zip(checks.runs, checks.runs[1:], strict=False):
        assert start - end >= 0.04 - 0.005  # one at a time, and as long again for everything else


async def test_under_load_a_group_collects_the_submissions_into_fewer_checks_and_the_last_sees_all() -> None:
    releases = CoalescedReleases(ReleaseGate(share=0.5))
    checks = Checks()

    async def submit() -> float:
        checks.committed += 1
        start = time.monotonic()
        await releases.run((1, MONTH), checks.check)
        return time.monotonic() - start

    answered = []
    for _ in range(40):  # 40 submissions in 0.8 s, checks of 50 ms
        answered.append(asyncio.create_task(submit()))
        await asyncio.sleep(0.02)
    waits = await asyncio.gather(*answered)
    await releases.idle()
    # One check per 100 ms (50 ms check, 50 ms for everything else), not one per submission,
    # nor one right after the other (16).
    assert 5 <= len(checks.seen) <= 10
    assert checks.seen[-1] == 40  # the last check saw every submission
    assert max(waits[1:]) < 0.02  # requests arriving meanwhile do not wait


async def test_a_check_that_asks_to_run_again_runs_again_after_the_time_it_named() -> None:
    releases = CoalescedReleases(ReleaseGate(share=1.0))
    asked = [0.2, None]
    starts: list[float] = []

    async def check() -> float | None:
        starts.append(time.monotonic())
        return asked[len(starts) - 1]

    await releases.run((1, MONTH), check)
    await releases.idle()
    assert len(starts) == 2 and starts[1] - starts[0] >= 0.2


async def test_checks_still_waiting_are_dropped_at_shutdown() -> None:
    releases = CoalescedReleases(ReleaseGate(share=0.01))  # a long pause after each check
    checks = Checks(seconds=0.01)
    await releases.run((1, MONTH), checks.check)
    await releases.run((2, MONTH), checks.check)  # waits about a second for its turn
    await releases.run((3, MONTH), checks.check)  # and this one for the second's
    await asyncio.sleep(0.05)  # both wait at the gate now
    await asyncio.wait_for(releases.close(), timeout=0.5)
    await asyncio.sleep(1.2)
    assert len(checks.seen) == 1  # nothing ran after the shutdown


def test_a_share_outside_what_makes_sense_is_refused() -> None:
    for share in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="share"):
            ReleaseGate(share)
