"""Redis stops and comes back: workers keep serving, resubscribe by themselves, clients catch up."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
import socketio
from redis.asyncio import Redis

from app.server import create_app
from app.settings import Settings
from app.stores import namespace
from kpi.months import format_month, month_of
from tests.support.personas import SignIn
from tests.support.proxy import proxied
from tests.support.server import serving
from tests.support.tokens import token_for

pytestmark = pytest.mark.redis

MONTH = format_month(month_of(date.today()))
FIGURES = f"/api/v1/partners/1001/figures/{MONTH}"


async def _health(client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await client.get("/healthz")
    assert answer.status_code == 200, answer.text  # without Redis the worker still serves
    report: dict[str, Any] = answer.json()
    return report


async def _until(condition: Callable[[], Any], seconds: float = 15) -> None:
    for _ in range(int(seconds * 10)):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


async def test_a_worker_without_redis_serves_and_its_clients_catch_up_afterwards(
    demo_sqlite: str, redis_url: str, make_settings: Callable[..., Settings], sign_in: SignIn
) -> None:
    token = await token_for(demo_sqlite, "gf1001")
    events: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    dashboard = socketio.AsyncClient(reconnection=False)
    dashboard.on("kpi:own", lambda data: events.put_nowait(("kpi:own", data)))
    dashboard.on("portal:resync", lambda data: events.put_nowait(("portal:resync", data)))
    async with proxied(redis_url) as (redis, via_proxy):
        settings = make_settings(demo_sqlite, redis_url=via_proxy, redis_channel=f"portal-test-{uuid.uuid4().hex}")
        async with (
            serving(create_app(settings)) as first,
            serving(create_app(settings)) as second,
            httpx.AsyncClient(base_url=first, headers={"Authorization": f"Bearer {token}"}) as api,
            httpx.AsyncClient(base_url=second, headers={"Authorization": f"Bearer {token}"}) as api_second,
            httpx.AsyncClient(base_url=first) as browser,
        ):
            await sign_in(browser, "gf1001")
            await dashboard.connect(second, auth={"token": token}, transports=["websocket"], wait_timeout=5)
            await _until(lambda: _subscribed(api_second))

            await redis.cut()
            assert (await _health(api))["status"] == "degraded"
            # Pages for signed-in users and figures keep working on the worker.
            assert (await browser.get(f"/erfassung/1001/{MONTH}")).status_code == 200
            assert (await api.put(FIGURES, json={"units_new": 21})).status_code == 200
            await asyncio.sleep(1)  # the event cannot travel to the other worker now
            assert events.empty()

            # Redis keeps nothing on disk here: a restart forgets the sessions. Users stay signed in.
            await _forget_session(redis_url, namespace(settings, "sessions"), browser.cookies["portal_session"])
            await redis.restore()
            assert (await browser.get(f"/erfassung/1001/{MONTH}")).status_code == 200
            await _until(lambda: _subscribed(api_second))
            kind, _ = await asyncio.wait_for(events.get(), timeout=10)
            assert kind == "portal:resync"  # the client re-fetches, and finds what it missed
            assert (await api_second.get(FIGURES)).json()["values"]["units_new"] == 21

            # Live again between the workers.
            assert (await api.put(FIGURES, json={"units_new": 22})).status_code == 200
            kind, event = await asyncio.wait_for(events.get(), timeout=10)
            if kind == "portal:resync":  # the first worker's publish was lost: it says so to all first
                kind, event = await asyncio.wait_for(events.get(), timeout=10)
            assert kind == "kpi:own" and event["kpis"]["units_new"] == 22
            assert (await _health(api))["redis"]["workers_subscribed"] >= 2
            await dashboard.disconnect()


async def _subscribed(client: httpx.AsyncClient) -> bool:
    report = await _health(client)
    return report["status"] == "ok"


async def _forget_session(redis_url: str, sessions: str, session_id: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        assert await client.delete(f"{sessions}:{session_id}") == 1
    finally:
        await client.aclose()
