"""The tasks' scheduled job (app.scheduling): recurring tasks become tasks, each exactly once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from litestar.datastructures import State

from app.tasks.service import make_recurring


def recurring_job(state: State) -> Callable[[], Awaitable[int]]:
    async def job() -> int:
        async with state.db.transaction() as session:
            assigned = await make_recurring(session, date.today())
        for event in assigned:
            await state.events.publish(event)  # the assignee hears of it
        return len(assigned)

    return job
