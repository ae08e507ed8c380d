"""Waiting in tests for something a server does in its own time (a scheduled job, a file moved)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(condition: Callable[[], bool], seconds: float = 30, what: str = "the condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, f"{what} did not come true within {seconds} s"
        await asyncio.sleep(0.2)
