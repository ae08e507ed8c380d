"""With Redis, an event emitted by one server process reaches sockets connected to another."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import date

import httpx
import pytest
import socketio

from app.server import create_app
from app.settings import Settings
from kpi.months import format_month, month_of
from tests.support.personas import SignIn
from tests.support.server import serving
from tests.support.tokens import token_for

pytestmark = pytest.mark.redis


async def test_a_figure_submitted_on_one_server_reaches_a_socket_on_the_other(
    demo_sqlite: str, redis_url: str, make_settings: Callable[..., Settings]
) -> None:
    # Each test pair gets its own channel, so parallel runs on one Redis do not cross.
    settings = make_settings(demo_sqlite, redis_url=redis_url, redis_channel=f"portal-test-{uuid.uuid4().hex}")
    received: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    listener = socketio.AsyncClient(reconnection=False)
    listener.on("kpi:own", received.put_nowait)
    token = await token_for(demo_sqlite, "gf1001")
    async with serving(create_app(settings)) as first, serving(create_app(settings)) as second:
        await listener.connect(second, auth={"token": token}, transports=["websocket"], wait_timeout=5)
        try:
            await asyncio.sleep(0.3)  # the second server's Redis listener subscribes in the background
            async with httpx.AsyncClient(base_url=first, headers={"Authorization": f"Bearer {token}"}) as api:
                answer = await api.put(
                    f"/api/v1/partners/1001/figures/{format_month(month_of(date.today()))}",
                    json={"units_new": 11},
                )
            assert answer.status_code == 200, answer.text
            event = await asyncio.wait_for(received.get(), timeout=5)
            assert event["partner"] == 1001 and event["kpis"]["units_new"] == 11  # type: ignore[index]
        finally:
            await listener.disconnect()


async def test_sessions_live_in_redis_so_any_server_knows_the_user(
    sign_in: SignIn, demo_sqlite: str, redis_url: str, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(demo_sqlite, redis_url=redis_url, redis_channel=f"portal-test-{uuid.uuid4().hex}")
    async with serving(create_app(settings)) as first, serving(create_app(settings)) as second:
        async with httpx.AsyncClient(base_url=first) as browser:
            await sign_in(browser, "gf1002")
            cookies = dict(browser.cookies.items())
        async with httpx.AsyncClient(base_url=second, cookies=cookies) as same_browser:
            page = await same_browser.get("/")
        assert page.status_code == 200 and "GF 1002" in page.text
