"""Overload: when every database connection is taken, answers come quickly and say what happened."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date
from typing import Any

import httpx
import socketio
from sqlalchemy.ext.asyncio import AsyncEngine

from app.benchmark.live import publish_submission
from app.db import Database
from app.server import create_app
from app.settings import Settings
from kpi.months import format_month, month_of
from tests.support.server import serving
from tests.support.tokens import token_for

MONTH = format_month(month_of(date.today()))
FIGURES = f"/api/v1/partners/1001/figures/{MONTH}"


@asynccontextmanager
async def all_connections_taken(engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold every connection the engine's pool will give out, as a crowd of slow requests would."""
    async with AsyncExitStack() as stack:
        for _ in range(engine.pool.size() + engine.pool._max_overflow):  # type: ignore[attr-defined]
            await stack.enter_async_context(engine.connect())
        yield


async def test_when_every_connection_is_taken_refusals_are_quick_and_clear_and_nothing_is_half_done(
    demo_sqlite: str, make_settings: Callable[..., Settings]
) -> None:
    token = await token_for(demo_sqlite, "gf1001")
    app: Any = create_app(make_settings(demo_sqlite, db_pool_timeout_seconds=0.5))
    async with (
        serving(app) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api,
    ):
        rooms = (await api.get("/api/v1/chat/rooms")).json()
        nord = next(room["id"] for room in rooms if room["name"] == "Region Nord")
        chat = socketio.AsyncClient(reconnection=False)
        await chat.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=5)
        db: Database = app.other_asgi_app.state.db

        # Every read finds the pool taken: chat refuses clearly, and the live update after a
        # stored submission gives up without turning the stored month into an error.
        async with all_connections_taken(db.reader):
            ack = await chat.call("chat:send", {"room": nord, "body": "Hallo?"}, timeout=10)
            kpis = await publish_submission(app.other_asgi_app.state, partner_id=1, month=month_of(date.today()))
        assert ack["ok"] is False and "ausgelastet" in ack["error"]
        assert kpis is None

        # Nothing can be written (SQLite's one write turn stays taken by a slow writer): refused
        # after the pool's wait, and nothing stored.
        async with db.transaction():
            refused = await api.put(FIGURES, json={"units_new": 32})
        assert refused.status_code == 503 and refused.headers["retry-after"]
        assert "ausgelastet" in refused.json()["detail"] and "nichts gespeichert" in refused.json()["detail"]

        answer = await api.get(FIGURES)
        assert answer.json()["values"].get("units_new") != 32 and answer.json()["kpis"]  # back to normal
        history = await chat.call("chat:history", {"room": nord}, timeout=10)
        assert "Hallo?" not in [message["body"] for message in history["messages"]]
        await chat.disconnect()
