"""The tasks' scheduled job (app.scheduling): recurring tasks become tasks, each exactly once, and
follow-ups of the last week's visit reports that have no task yet get one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

from litestar.datastructures import State

from app.tasks.service import make_recurring, settle_follow_ups


def recurring_job(state: State) -> Callable[[], Awaitable[int]]:
    async def job() -> int:
        async with state.db.transaction() as session:
            assigned = await make_recurring(session, date.today())
            assigned += await settle_follow_ups(session, datetime.now(UTC) - timedelta(days=7))
        for event in assigned:
            await state.events.publish(event)  # the assignee hears of it
        return len(assigned)

    return job
