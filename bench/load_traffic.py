"""What bench/load.py sends: figure submissions and chat messages, each on an open-loop schedule.

Open loop: the n-th item is due at start + n / rate and is sent then, whether or not the
earlier ones were answered, so a slow server shows up as latency and not as a lower rate.
Each item notes when it was due, sent and answered (CLOCK_MONOTONIC).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx
import socketio
from load_facts import KEY

STEP = 0.0005  # each submission of a partner raises its value by this share: small, no plausibility warning
T = TypeVar("T")


async def open_loop(
    rate: float, duration: float, make: Callable[[int, float], T], send: Callable[[T], Awaitable[None]]
) -> list[T]:
    """Make and send round(rate * duration) items, the n-th at start + n / rate; answers them once all are done."""
    start = time.monotonic()
    items: list[T] = []
    tasks = []
    for n in range(round(rate * duration)):
        due = start + n / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        items.append(make(n, due))
        tasks.append(asyncio.create_task(send(items[-1])))
    await asyncio.gather(*tasks)
    return items


@dataclass
class Submission:
    partner: int
    value: float
    due: float
    sent: float = math.nan
    answered: float = math.nan
    error: str | None = None  # "HTTP 500", "ReadTimeout", ...

    @property
    def acked(self) -> bool:
        return self.error is None and not math.isnan(self.answered)


class Submitter:
    """`PUT /api/v1/partners/{no}/figures/{period}` with the partner's own token, partners taking turns."""

    def __init__(
        self, http: httpx.AsyncClient, period: str, tokens: dict[int, str], base: dict[int, float], order: list[int]
    ) -> None:
        self.http = http
        self.period = period
        self.tokens = tokens
        self.base = base
        self.order = order  # partner numbers in the order of their turns
        self.times: dict[int, int] = {}  # partner no -> submissions made so far

    def make(self, n: int, due: float) -> Submission:
        return self.make_for(self.order[n % len(self.order)], due)

    def make_for(self, partner: int, due: float) -> Submission:
        self.times[partner] = self.times.get(partner, 0) + 1
        return Submission(partner, round(self.base[partner] * (1 + STEP * self.times[partner]), 2), due)

    async def send(self, s: Submission) -> None:
        s.sent = time.monotonic()
        try:
            answer = await self.http.put(
                f"/api/v1/partners/{s.partner}/figures/{self.period}",
                headers={"Authorization": f"Bearer {self.tokens[s.partner]}"},
                json={KEY: s.value},
            )
            if answer.status_code != 200:
                s.error = f"HTTP {answer.status_code}"
        except httpx.HTTPError as exc:
            s.error = type(exc).__name__
        s.answered = time.monotonic()


@dataclass
class ChatMessage:
    sender: int
    due: float
    sent: float = math.nan
    acked: float = math.nan
    id: int | None = None
    error: str | None = None


class ChatSenders:
    """Sockets that send `chat:send` to one room in turns (the flood limit counts per user and connection)."""

    def __init__(self, url: str, room: int, timeout: float) -> None:
        self.url = url
        self.room = room
        self.timeout = timeout
        self.sockets: list[socketio.AsyncClient] = []

    async def connect(self, tokens: list[str]) -> None:
        for token in tokens:
            client = socketio.AsyncClient()
            await client.connect(self.url, auth={"token": token}, transports=["websocket"], wait_timeout=60)
            self.sockets.append(client)

    def make(self, n: int, due: float) -> ChatMessage:
        return ChatMessage(n % len(self.sockets), due)

    async def send(self, m: ChatMessage) -> None:
        m.sent = time.monotonic()
        try:
            answer = await self.sockets[m.sender].call(
                "chat:send", {"room": self.room, "body": f"Lastmessung {m.due:.3f}"}, timeout=self.timeout
            )
        except Exception as exc:  # socketio.exceptions.TimeoutError, BadNamespaceError after a drop
            m.error = type(exc).__name__
            return
        m.acked = time.monotonic()
        if answer.get("ok"):
            m.id = int(answer["id"])
        else:
            m.error = str(answer.get("error"))

    async def close(self) -> None:
        await asyncio.gather(*(s.disconnect() for s in self.sockets), return_exceptions=True)
