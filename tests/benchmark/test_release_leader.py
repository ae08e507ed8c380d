"""One worker runs the release checks of all: the others hand theirs over through Redis,
and run them themselves when nobody takes them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import date

import pytest

from app.benchmark import release_leader
from app.benchmark.release_leader import ReleaseLeader

pytestmark = pytest.mark.redis

MONTH = date(2026, 11, 1)


class Worker:
    """A worker's part: the checks it was asked to run, the arrivals it was told of, how often it swept."""

    def __init__(self, url: str, channel: str) -> None:
        self.checked: list[tuple[int, date]] = []
        self.sweeps = self.arrivals = 0
        self.part = ReleaseLeader(url, channel, check=self._check, sweep=self._sweep, arrived=self._arrived)

    def _arrived(self) -> None:
        self.arrivals += 1

    async def _check(self, partner_id: int, month: date) -> None:
        self.checked.append((partner_id, month))

    async def _sweep(self) -> None:
        self.sweeps += 1


async def until(condition: Callable[[], bool], seconds: float = 6.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (the conditions are other workers' state, polled)
            await asyncio.sleep(0.02)


@pytest.fixture
async def workers(redis_url: str) -> AsyncIterator[Callable[[], Worker]]:
    channel = f"portal-test-{uuid.uuid4().hex}"
    async with AsyncExitStack() as stack:

        def start() -> Worker:
            worker = Worker(redis_url, channel)
            worker.part.start()
            stack.push_async_callback(worker.part.close)
            return worker

        yield start


async def test_one_worker_leads_and_runs_the_checks_the_others_forward(workers: Callable[[], Worker]) -> None:
    first = workers()
    await until(lambda: first.part.leading)
    second, third = workers(), workers()
    await until(lambda: second.part.leader is not None and third.part.leader is not None)
    assert not second.part.leading and not third.part.leading
    assert first.sweeps == 1  # on taking the lease: asks its predecessor may have left
    await until(lambda: first.part.workers == 3)  # whose checks it runs: counted at each renewal

    assert await second.part.forward(1001, MONTH)
    assert await third.part.forward(1002, MONTH)
    assert not await first.part.forward(1003, MONTH)  # the leader checks its own submissions
    await until(lambda: len(first.checked) == 2)
    assert sorted(first.checked) == [(1001, MONTH), (1002, MONTH)]
    assert second.checked == third.checked == []
    assert (second.part.forwarded, first.part.received) == (1, 2)

    # Submissions arriving anywhere are noted by the leader (when they stop tells its pacing).
    assert await second.part.arriving() and await third.part.arriving()
    assert not await first.part.arriving()  # the leader notes its own
    await until(lambda: first.arrivals == 2)
    assert second.arrivals == third.arrivals == 0


async def test_when_the_leader_stops_a_forward_fails_and_another_worker_takes_over(
    workers: Callable[[], Worker],
) -> None:
    first = workers()
    await until(lambda: first.part.leading)
    second = workers()
    await until(lambda: second.part.leader is not None)

    await first.part.close()
    # Until the follower reads who leads now, it would forward to the gone leader: nobody receives
    # that, and the worker checks the submission itself.
    assert not await second.part.forward(1001, MONTH)
    await until(lambda: second.part.leading, seconds=release_leader.RENEW_SECONDS * 3)
    assert second.sweeps == 1
    third = workers()
    await until(lambda: third.part.leader is not None)
    assert await third.part.forward(1002, MONTH)
    await until(lambda: second.checked == [(1002, MONTH)])


async def test_without_redis_every_worker_checks_its_own_submissions() -> None:
    worker = Worker("redis://127.0.0.1:1/0", f"portal-test-{uuid.uuid4().hex}")  # nothing listens there
    worker.part.start()
    try:
        await asyncio.sleep(release_leader.RENEW_SECONDS / 2)
        assert not worker.part.leading and worker.part.leader is None
        assert not await worker.part.forward(1001, MONTH)
    finally:
        await worker.part.close()
