"""Release checks of one group and month: one at a time, and one more for all that asked meanwhile."""

from __future__ import annotations

import asyncio
from datetime import date

from app.benchmark.live import CoalescedReleases

MONTH = date(2026, 11, 1)


async def test_submissions_during_a_check_share_one_more_check_and_none_is_lost() -> None:
    releases = CoalescedReleases()
    seen: list[int] = []
    committed = [0]  # what a check would find stored

    async def check() -> None:
        found = committed[0]
        await asyncio.sleep(0.05)  # the check takes a while; submissions keep arriving
        seen.append(found)

    async def submit(after: float) -> None:
        await asyncio.sleep(after)
        committed[0] += 1
        await releases.run((1, MONTH), check)

    await asyncio.gather(*(submit(i * 0.01) for i in range(5)))
    # The first runs at once, the four arriving during it get one more check together.
    assert seen == [1, 5]
    await submit(0)
    assert seen == [1, 5, 6]  # a later submission checks again
    await asyncio.gather(releases.run((2, MONTH), check), releases.run((1, MONTH), check))
    assert len(seen) == 5  # other groups are not held up by this one
