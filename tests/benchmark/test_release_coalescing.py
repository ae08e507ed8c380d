"""Release checks: one at a time per group, one more for all that asked meanwhile, each group at
most once per period within the share of the process's time, begun by a submission of the group
where one is coming soon."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from datetime import date

import pytest

from app.benchmark.pacing import CoalescedReleases, Patience, Turns

MONTH = date(2026, 11, 1)


class Checks:
    """A release check that takes a while and notes what it found stored, and when it ran."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.committed = 0
        self.committed_at: list[float] = []
        self.seen: list[int] = []
        self.runs: list[tuple[float, float]] = []  # (start, end)

    def commit(self) -> None:
        self.committed += 1
        self.committed_at.append(time.monotonic())

    async def check(self) -> None:
        start = time.monotonic()
        found = self.committed
        await asyncio.sleep(self.seconds)  # submissions keep arriving meanwhile
        self.seen.append(found)
        self.runs.append((start, time.monotonic()))


async def test_submissions_during_a_check_share_one_more_check_and_none_is_lost() -> None:
    releases = CoalescedReleases(share=1.0)
    checks = Checks()

    async def submit(after: float) -> None:
        await asyncio.sleep(after)
        checks.commit()
        await releases.run((1, MONTH), checks.check)

    await asyncio.gather(*(submit(i * 0.01) for i in range(5)))
    await releases.idle()
    # The first runs at once, the four arriving during it get one more check together.
    assert checks.seen == [1, 5]
    await asyncio.sleep(0.1)
    await submit(0)
    assert checks.seen == [1, 5, 6]  # without load the submitting request runs the check itself
    await asyncio.gather(releases.run((2, MONTH), checks.check), releases.run((1, MONTH), checks.check))
    await releases.idle()
    assert len(checks.seen) == 5  # other groups are not held up by this one
    assert all(end <= start for (_, end), (start, _) in zip(checks.runs, checks.runs[1:], strict=False))


async def test_each_group_begins_a_check_at_most_once_per_period_of_all_groups_checks_by_the_share() -> None:
    releases = CoalescedReleases(share=0.5)
    slow, quick = Checks(seconds=0.04), Checks(seconds=0.01)
    began = time.monotonic()
    for _ in range(60):  # both groups get a submission every 10 ms
        slow.commit()
        quick.commit()
        await asyncio.gather(releases.run((1, MONTH), slow.check), releases.run((2, MONTH), quick.check))
        await asyncio.sleep(0.01)
    elapsed = time.monotonic() - began
    await releases.idle()
    assert slow.seen[-1] == quick.seen[-1] == 60  # the last checks saw every submission
    for checks in (slow, quick):
        starts = [start for start, _ in checks.runs]
        # (40 ms + 10 ms) / 0.5: the two groups' checks take half the time, the rest is the submissions'.
        # (After the first: the other group's cost was not known yet.)
        assert min(b - a for a, b in itertools.pairwise(starts[1:])) >= 0.1 - 0.005
        assert 0.6 * elapsed / 0.1 <= len(starts) <= elapsed / 0.1 + 2
    runs = sorted(slow.runs + quick.runs)
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(runs))  # never two at once


async def test_under_load_a_group_collects_the_submissions_into_fewer_checks_and_the_last_sees_all() -> None:
    releases = CoalescedReleases(share=0.5)
    checks = Checks()

    async def submit() -> float:
        checks.commit()
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
    # Only a request that begins a check waits for it; the others are answered at once.
    assert sum(1 for wait in waits if wait >= 0.02) <= len(checks.seen)


async def test_a_due_check_begins_with_the_groups_next_submission_and_shows_it() -> None:
    releases = CoalescedReleases(share=0.2)
    checks = Checks(seconds=0.02)  # a period of 100 ms; a submission every 30 ms
    began = time.monotonic()
    for _ in range(40):
        checks.commit()
        await releases.run((1, MONTH), checks.check)
        await asyncio.sleep(0.03)
    elapsed = time.monotonic() - began
    await releases.idle()
    assert 0.6 * elapsed / 0.1 <= len(checks.seen) <= elapsed / 0.1 + 2
    # Each check begins right after a submission, within its request: not up to 30 ms later.
    lags = [start - max(t for t in checks.committed_at if t <= start) for start, _ in checks.runs]
    assert max(lags) < 0.01, lags  # (a busy machine delays a task by a few ms)
    assert checks.seen[-1] == 40


async def test_without_a_next_submission_the_owed_check_runs_when_the_patience_is_over() -> None:
    releases = CoalescedReleases(share=0.2, patience=Patience(submissions=6, longest=2.0))
    checks = Checks(seconds=0.02)
    for _ in range(3):  # 3 submissions: the next would be expected within 6 spacings (at most 0.24 s)
        checks.commit()
        await releases.run((1, MONTH), checks.check)
        await asyncio.sleep(0.02)
    await releases.idle()
    assert checks.seen == [1, 3]
    spacings = [b - a for a, b in zip(checks.committed_at, checks.committed_at[1:], strict=False)]
    waited = checks.runs[1][0] - checks.runs[0][0]
    # The period (20 ms / 0.2), then the patience: six spacings of the submissions.
    assert 0.1 + 6 * min(spacings) - 0.01 <= waited <= 0.1 + 6 * max(spacings) + 0.03


async def test_once_the_submissions_stop_the_check_owed_runs_before_its_period_is_over() -> None:
    releases = CoalescedReleases(share=0.2)
    checks = Checks(seconds=0.1)  # a period of 0.5 s
    for _ in range(12):  # a steady stream: one every 20 ms (after the first check, inline)
        checks.commit()
        releases.note_submission()
        await releases.run((1, MONTH), checks.check)
        await asyncio.sleep(0.02)
    last = checks.committed_at[-1]
    await releases.idle()
    assert checks.seen == [1, 12]
    (first, _), (second, _) = checks.runs
    # Not at the period's end (0.5 s), nor after the patience: soon after the stream stopped.
    assert second - first < 0.5 and second - last < 0.2


async def test_a_group_with_rare_submissions_is_checked_as_soon_as_its_period_is_over() -> None:
    releases = CoalescedReleases(share=0.2)
    checks = Checks(seconds=0.05)  # a period of 250 ms
    checks.commit()
    await releases.run((1, MONTH), checks.check)
    await asyncio.sleep(1.0)
    checks.commit()  # a second submission after a second: none expected within 3 s (8 spacings)
    await releases.run((1, MONTH), checks.check)  # its period is over: checked at once
    checks.commit()
    await releases.run((1, MONTH), checks.check)
    await releases.idle()
    assert checks.seen == [1, 2, 3]
    assert checks.runs[2][0] - checks.runs[1][0] == pytest.approx(0.25, abs=0.03)


async def test_a_check_that_asks_to_run_again_runs_again_after_the_time_it_named() -> None:
    releases = CoalescedReleases(share=1.0)
    asked = [0.2, None]
    starts: list[float] = []

    async def check() -> float | None:
        starts.append(time.monotonic())
        return asked[len(starts) - 1]

    await releases.run((1, MONTH), check)
    await releases.idle()
    assert len(starts) == 2 and starts[1] - starts[0] >= 0.2


async def test_checks_still_waiting_are_dropped_at_shutdown() -> None:
    releases = CoalescedReleases(share=0.01)  # a long period after each check
    checks = Checks(seconds=0.01)
    await releases.run((1, MONTH), checks.check)
    await releases.run((1, MONTH), checks.check)  # waits about a second for the period
    await releases.run((2, MONTH), checks.check)  # another group begins at once
    await asyncio.wait_for(releases.close(), timeout=0.5)
    await releases.run((2, MONTH), checks.check)  # nothing begins any more
    await asyncio.sleep(1.2)
    assert len(checks.seen) == 2  # nothing ran after the shutdown


async def test_of_the_checks_waiting_the_one_with_least_time_per_waiting_dashboard_goes_first() -> None:
    releases = CoalescedReleases(share=1.0)
    order: list[int] = []

    def check(group: int, seconds: float) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            order.append(group)
            await asyncio.sleep(seconds)

        return run

    # Known costs: 20 ms each; group 3 has 1,000 members, group 2 ten.
    for group in (1, 2, 3):
        await releases.run((group, MONTH), check(group, 0.02), weight={1: 10, 2: 10, 3: 1000}[group])
    await asyncio.sleep(0.2)  # every period is over
    order.clear()
    first = asyncio.create_task(releases.run((1, MONTH), check(1, 0.05), weight=10))
    await asyncio.sleep(0.01)
    waiting = [asyncio.create_task(releases.run((g, MONTH), check(g, 0.02), weight=w)) for g, w in ((2, 10), (3, 1000))]
    await asyncio.gather(first, *waiting)
    assert order == [1, 3, 2]  # 20 ms for 1,000 dashboards before 20 ms for ten


async def test_turns_go_to_the_lowest_rank_and_a_waiter_that_gave_up_holds_nobody_up() -> None:
    turns = Turns()
    served: list[str] = []

    async def take(name: str, rank: float) -> None:
        async with turns.turn(rank):
            served.append(name)
            await asyncio.sleep(0.01)

    holder = asyncio.create_task(take("first", 0))
    await asyncio.sleep(0)
    waiting = {
        name: asyncio.create_task(take(name, rank)) for name, rank in (("c", 3), ("a", 1), ("gone", 0), ("b", 2))
    }
    await asyncio.sleep(0)
    waiting.pop("gone").cancel()
    await asyncio.gather(holder, *waiting.values())
    assert served == ["first", "a", "b", "c"]


def test_a_share_outside_what_makes_sense_is_refused() -> None:
    for share in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="share"):
            CoalescedReleases(share)


class Stream:
    """Submissions of several groups at set moments, each a request of its own: noted as a
    submission after `hops` rounds of the event loop (a request's way to it), then its group's check asked for."""

    def __init__(self, releases: CoalescedReleases, hops: int = 0) -> None:
        self.releases, self.hops = releases, hops
        self.began = time.monotonic()
        self.requests: list[asyncio.Task[None]] = []

    async def play(self, moments: list[tuple[float, Checks | None]]) -> None:
        """`moments`: (seconds after the stream began, the group's checks or None for another group's submission)."""
        for at, checks in moments:
            await asyncio.sleep(max(0.0, self.began + at - time.monotonic()))
            self.requests.append(asyncio.create_task(self._submit(checks)))
        await asyncio.gather(*self.requests)
        await self.releases.idle()

    async def _submit(self, checks: Checks | None) -> None:
        for _ in range(self.hops):
            await asyncio.sleep(0)
        self.releases.note_submission()
        if checks is not None:
            checks.commit()
            await self.releases.run((id(checks), MONTH), checks.check)

    def at(self, moment: float) -> float:
        return self.began + moment


def steady(start: float, end: float, spacing: float) -> list[tuple[float, Checks | None]]:
    """Other groups' submissions every `spacing` seconds from `start` until before `end`."""
    return [(start + i * spacing, None) for i in range(round((end - start) / spacing))]


def lags(checks: Checks) -> list[float]:
    """For each check: how long after the group's last submission before it it began."""
    return [start - max(t for t in checks.committed_at if t <= start) for start, _ in checks.runs]


async def test_a_pause_of_a_little_more_than_the_usual_spacing_is_not_taken_for_the_end_of_the_submissions() -> None:
    releases = CoalescedReleases(share=0.2)
    group = Checks(seconds=0.05)  # a period of 250 ms
    stream = Stream(releases)
    # One every 40 ms, once a gap of 60 ms (0.12-0.18 s) while the group's second submission is owed.
    moments = [(0.0, group), (0.04, group), (0.08, None), (0.12, None), *steady(0.18, 0.34, 0.04), (0.34, group)]
    await stream.play([*moments, *steady(0.38, 0.6, 0.04)])
    # The owed check waited for the group's next submission (after its period) and showed it at once.
    assert group.seen == [1, 3]
    assert group.runs[1][0] >= stream.at(0.34)
    assert max(lags(group)) < 0.005


async def test_a_late_wake_of_a_busy_loop_is_not_taken_for_the_end_of_the_submissions() -> None:
    releases = CoalescedReleases(share=0.2)
    group = Checks(seconds=0.05)  # a period of 250 ms
    stream = Stream(releases, hops=5)

    async def busy() -> None:  # a fan-out holding the loop while submissions arrive
        await asyncio.sleep(max(0.0, stream.at(0.2) - time.monotonic()))
        time.sleep(0.1)  # noqa: ASYNC251 (the point: blocking the loop)

    blocker = asyncio.create_task(busy())
    # One every 20 ms; the group's at 0, 0.06 (owed until its period is over at 0.25 s) and 0.4 s.
    moments = [(at, group if at in (0.0, 0.06, 0.4) else None) for at in (round(i * 0.02, 2) for i in range(30))]
    await stream.play(moments)
    await blocker
    # Not begun when the loop came free (the stream had not stopped), but with the group's next submission.
    assert group.seen == [1, 3]
    assert max(lags(group)) < 0.005


async def test_a_check_begun_at_a_pause_waits_again_for_its_group_if_the_submissions_resume_before_its_turn() -> None:
    releases = CoalescedReleases(share=0.2)
    small, large = Checks(seconds=0.02), Checks(seconds=0.1)
    stream = Stream(releases)
    # One every 20 ms, but none at 0.54-0.58 s. The large group's at 0 (its period: 0.5 s) and at 0.52 s
    # (due: begins at once and runs 100 ms); the small group's at 0.1 s (its period: 0.12 s / 0.2,
    # until 0.7 s), 0.14 s (owed) and 0.8 s.
    groups = {0.0: large, 0.1: small, 0.14: small, 0.52: large, 0.8: small}
    moments = [(at, groups.get(at)) for at in (round(i * 0.02, 2) for i in range(50)) if not 0.52 < at < 0.6]
    await stream.play(moments)
    # At the pause the small group's owed check queued for its turn; when it came, the submissions
    # had resumed, so the check waited for the group's next submission after its period and showed it.
    assert small.seen == [1, 3]
    assert max(lags(small)) < 0.005


async def test_turns_asked_for_together_with_gather_go_by_rank_not_by_who_asked_first() -> None:
    """Checks begun together when the submissions stop: the one for the most dashboards first,
    even if another's waiter woke first and found the turn free."""
    served: list[str] = []

    async def take(turns: Turns, name: str, rank: float, gather: bool) -> None:
        async with turns.turn(rank, gather=gather):
            served.append(name)
            await asyncio.sleep(0.01)

    for gather in (True, False):
        turns = Turns()
        served.clear()
        # Asked for in one round of the event loop, the worst rank first.
        await asyncio.gather(*(take(turns, name, rank, gather) for name, rank in (("c", 3), ("a", 1), ("b", 2))))
        assert served == (["a", "b", "c"] if gather else ["c", "a", "b"])
    # A lone turn with gather is granted all the same, and so are the later ones.
    turns = Turns()
    served.clear()
    await asyncio.wait_for(take(turns, "alone", 5, True), timeout=1)
    await asyncio.wait_for(take(turns, "later", 5, False), timeout=1)
    assert served == ["alone", "later"]
