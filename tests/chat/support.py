"""Real Socket.IO clients of demo users, and direct looks into the test's database."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import socketio

from tests.support.tokens import token_for


class Member:
    """A connected user: what arrived per event, and `call` for acked events."""

    def __init__(self, client: socketio.AsyncClient) -> None:
        self.client = client
        self.received: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        for name in ("chat:message", "chat:edit", "chat:remove", "chat:typing", "chat:unread", "notification:new"):
            queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            self.received[name] = queue
            client.on(name, queue.put_nowait)

    async def call(self, event: str, data: object) -> dict[str, Any]:
        answer: dict[str, Any] = await self.client.call(event, data, timeout=5)
        return answer

    async def next(self, event: str = "chat:message", within: float = 3) -> dict[str, Any]:
        return await asyncio.wait_for(self.received[event].get(), within)

    async def nothing(self, event: str = "chat:message", wait: float = 0.5) -> bool:
        try:
            await asyncio.wait_for(self.received[event].get(), wait)
        except TimeoutError:
            return True
        return False


@asynccontextmanager
async def connected(portal: str, database_url: str, username: str) -> AsyncIterator[Member]:
    client = socketio.AsyncClient(reconnection=False)
    member = Member(client)
    await client.connect(portal, auth={"token": await token_for(database_url, username)}, transports=["websocket"])
    try:
        yield member
    finally:
        await client.disconnect()


def room_id(database_url: str, name: str) -> int:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return int(db.execute("select id from chat_rooms where name = ?", (name,)).fetchone()[0])


def execute(database_url: str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Run SQL directly on the test's database file, waiting for the portal's writer if need be."""
    db = sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///"), timeout=30)
    try:
        rows = db.execute(sql, args).fetchall()
        db.commit()
        return rows
    finally:
        db.close()
