"""A step that does not end names what it waits for instead of stalling the run.

A CI run hung in a browser test's teardown with nothing on screen until the job's time limit.
`bounded` gives such a step a time limit; past it, the stack of every task on the loop is
printed (the step waits on one of them) and the test fails. A test that pytest-timeout stops
(pyproject.toml) gets the same list from `unfinished_tasks`: its thread stacks show only that
the event loop waits, not for what.
"""

from __future__ import annotations

import asyncio
import gc
import io
import sys
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


def task_stacks(tasks: list[asyncio.Task[object]] | None = None) -> str:
    out = io.StringIO()
    for task in asyncio.all_tasks() if tasks is None else tasks:
        task.print_stack(limit=30, file=out)
    return out.getvalue()


def unfinished_tasks() -> str:
    """The stacks of every unfinished task of any loop, also outside a running one."""
    tasks = [o for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done()]
    return task_stacks(tasks)


async def bounded(step: Awaitable[T], seconds: float, what: str) -> T:
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.wait_for(asyncio.shield(task), seconds)
    except TimeoutError:
        stacks = task_stacks()
        print(f"\n{what}: not done after {seconds:g} s; the tasks on the loop:\n{stacks}", file=sys.stderr)
        task.cancel()
        raise AssertionError(f"{what}: not done after {seconds:g} s (task stacks on stderr)") from None
