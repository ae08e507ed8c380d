"""With Redis, an event emitted by one server process reaches sockets connected to another."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest
import socketio

from app.server import create_app
from app.settings import Settings
from kpi.months import format_month, month_of
from tests.support.personas import SignIn
from tests.support.processes import portal_env, run_cli
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


async def test_revoking_a_token_on_the_command_line_ends_its_sockets_on_every_server(
    demo_sqlite: str, redis_url: str, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    channel = f"portal-test-{uuid.uuid4().hex}"
    settings = make_settings(demo_sqlite, redis_url=redis_url, redis_channel=channel)
    token = await token_for(demo_sqlite, "gf1001")
    async with serving(create_app(settings)) as first, serving(create_app(settings)) as second:
        sockets = [socketio.AsyncClient(reconnection=False) for _ in range(2)]
        for client, base in zip(sockets, (first, second), strict=True):
            await client.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=5)
        await asyncio.sleep(0.3)  # both servers' Redis listeners are subscribed
        env = portal_env(tmp_path / "var", demo_sqlite, PORTAL_REDIS_URL=redis_url, PORTAL_REDIS_CHANNEL=channel)
        output = await run_cli(env, "token", "revoke", "gf1001", "--all")
        assert "getrennt" in output
        for _ in range(100):
            if not any(client.connected for client in sockets):
                break
            await asyncio.sleep(0.05)
        assert not any(client.connected for client in sockets)
