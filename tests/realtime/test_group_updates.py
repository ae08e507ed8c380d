"""`kpi:update` carries the cells a release changed, seen from real clients over real sockets."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
import socketio

from realtime.publish import Publisher
from realtime.rooms import group_room
from realtime.sent_figures import SentFigures
from realtime.server import Identity, create_socket_server
from tests.support.proxy import proxied
from tests.support.server import serving

PERIOD = "2026-11"


async def _identity(environ: dict[str, Any], auth: Any) -> Identity | None:
    return Identity(user_id=1, rooms=frozenset({group_room(7)}))


class Dashboard:
    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.client.on("kpi:update", self.updates.put_nowait)

    async def open(self, url: str) -> Dashboard:
        await self.client.connect(url, transports=["websocket"], auth={}, wait_timeout=5)
        return self

    async def next_cells(self) -> dict[str, Any]:
        update = await asyncio.wait_for(self.updates.get(), 5)
        assert (update["group"], update["period"]) == (7, PERIOD)
        return dict(update["kpis"])

    async def nothing_more(self) -> bool:
        await asyncio.sleep(0.3)
        return self.updates.empty()


@pytest.fixture
async def served() -> AsyncIterator[tuple[socketio.AsyncServer, str]]:
    sio = create_socket_server(_identity, allowed_origins=["http://127.0.0.1"])
    async with serving(socketio.ASGIApp(sio)) as url:
        yield sio, url


@pytest.fixture
async def dashboard(served: tuple[socketio.AsyncServer, str]) -> AsyncIterator[Dashboard]:
    opened = await Dashboard().open(served[1])
    yield opened
    await opened.client.disconnect()


@pytest.fixture
def publisher(served: tuple[socketio.AsyncServer, str]) -> Publisher:
    return Publisher(served[0])


def release(**medians: float) -> dict[str, Any]:
    return {key: {"n": 12, "median": value} for key, value in medians.items()}


async def test_an_update_carries_the_cells_that_changed_and_a_release_that_changed_none_sends_nothing(
    publisher: Publisher, dashboard: Dashboard
) -> None:
    await publisher.kpi_update(7, PERIOD, release(revenue=100.0, margin=0.2, stock=5.0))
    assert await dashboard.next_cells() == release(revenue=100.0, margin=0.2, stock=5.0)
    await publisher.kpi_update(7, PERIOD, release(revenue=101.0, margin=0.21, stock=5.0))
    assert await dashboard.next_cells() == release(revenue=101.0, margin=0.21)
    await publisher.kpi_update(7, PERIOD, release(revenue=101.0, margin=0.21, stock=5.0))
    assert await dashboard.nothing_more()
    hidden = {**release(revenue=101.0, margin=0.21), "stock": {"hidden": "n = 3"}}
    await publisher.kpi_update(7, PERIOD, hidden)
    assert await dashboard.next_cells() == {"stock": {"hidden": "n = 3"}}


async def test_once_a_minute_an_update_carries_every_cell_again(
    served: tuple[socketio.AsyncServer, str], dashboard: Dashboard
) -> None:
    sio = served[0]
    now = [1000.0]
    publisher = Publisher(sio, SentFigures(whole_every=60, clock=lambda: now[0]))
    await publisher.kpi_update(7, PERIOD, release(revenue=100.0, margin=0.2))
    assert await dashboard.next_cells() == release(revenue=100.0, margin=0.2)
    now[0] += 59
    await publisher.kpi_update(7, PERIOD, release(revenue=101.0, margin=0.2))
    assert await dashboard.next_cells() == release(revenue=101.0)
    now[0] += 2
    await publisher.kpi_update(7, PERIOD, release(revenue=101.0, margin=0.2))
    assert await dashboard.nothing_more(), "nothing changed: no update, whole or not"
    await publisher.kpi_update(7, PERIOD, release(revenue=102.0, margin=0.2))
    assert await dashboard.next_cells() == release(revenue=102.0, margin=0.2)


def at(time: str) -> datetime:
    return datetime.fromisoformat(f"2026-12-07T{time}+00:00")


async def test_a_release_read_before_one_delivered_is_not_sent(publisher: Publisher, dashboard: Dashboard) -> None:
    """Two releases of a group can end in either order (a coalesced run, another worker): the
    dashboard must not go back to the older figures."""
    await publisher.kpi_update(7, PERIOD, release(revenue=102.0), at("10:00:00.200000"))
    assert await dashboard.next_cells() == release(revenue=102.0)
    await publisher.kpi_update(7, PERIOD, release(revenue=101.0), at("10:00:00.100000"))
    await publisher.kpi_update(7, PERIOD, release(revenue=101.0), at("10:00:00.200000"))
    assert await dashboard.nothing_more()
    await publisher.kpi_update(7, PERIOD, release(revenue=103.0), at("10:00:01"))
    assert await dashboard.next_cells() == release(revenue=103.0)


async def test_another_groups_or_months_first_update_carries_every_cell(
    publisher: Publisher, dashboard: Dashboard
) -> None:
    await publisher.kpi_update(7, PERIOD, release(revenue=100.0, margin=0.2))
    await publisher.kpi_update(7, "2026-10", release(revenue=100.0, margin=0.2))
    assert await dashboard.next_cells() == release(revenue=100.0, margin=0.2)
    update = await asyncio.wait_for(dashboard.updates.get(), 5)
    assert update["period"] == "2026-10" and update["kpis"] == release(revenue=100.0, margin=0.2)


@pytest.mark.redis
async def test_with_two_workers_a_value_set_back_reaches_the_dashboards(redis_url: str) -> None:
    """Worker A sent 100, worker B then 120; A's next release shows 100 again. A knows of B's
    update (Redis delivered it to A's sockets too), so it sends 100 instead of thinking it unchanged."""
    channel = f"portal-test-{uuid.uuid4().hex}"
    first, second = (
        create_socket_server(_identity, redis_url=redis_url, channel=channel, allowed_origins=["http://127.0.0.1"])
        for _ in range(2)
    )
    async with serving(socketio.ASGIApp(first)) as first_url, serving(socketio.ASGIApp(second)) as second_url:
        dashboards = [await Dashboard().open(first_url), await Dashboard().open(second_url)]
        try:
            await asyncio.sleep(0.3)  # both Redis listeners are subscribed
            a, b = Publisher(first), Publisher(second)
            await a.kpi_update(7, PERIOD, release(revenue=100.0, margin=0.2))
            for dashboard in dashboards:
                assert await dashboard.next_cells() == release(revenue=100.0, margin=0.2)
            await b.kpi_update(7, PERIOD, release(revenue=120.0, margin=0.2))
            for dashboard in dashboards:
                assert (await dashboard.next_cells())["revenue"]["median"] == 120.0
            await asyncio.sleep(0.2)
            await a.kpi_update(7, PERIOD, release(revenue=100.0, margin=0.2))
            for dashboard in dashboards:
                assert await dashboard.next_cells() == release(revenue=100.0)
        finally:
            for dashboard in dashboards:
                await dashboard.client.disconnect()


@pytest.mark.redis
async def test_with_two_workers_an_older_release_arriving_last_does_not_take_cells_back(redis_url: str) -> None:
    """Workers A and B release the same group within one Redis round trip, B's release read
    later: A sends its older one before B's has reached it. Redis brings B's first, then A's;
    every dashboard must keep B's figures."""
    channel = f"portal-test-{uuid.uuid4().hex}"
    async with proxied(redis_url) as (redis_of_a, via_proxy):
        first, second = (
            create_socket_server(_identity, redis_url=url, channel=channel, allowed_origins=["http://127.0.0.1"])
            for url in (via_proxy, redis_url)
        )
        async with serving(socketio.ASGIApp(first)) as first_url, serving(socketio.ASGIApp(second)) as second_url:
            on_a, on_b = await Dashboard().open(first_url), await Dashboard().open(second_url)
            try:
                await asyncio.sleep(0.3)  # both Redis listeners are subscribed
                a, b = Publisher(first), Publisher(second)
                await a.kpi_update(7, PERIOD, release(revenue=100.0), at("10:00:00"))
                for dashboard in (on_a, on_b):
                    assert await dashboard.next_cells() == release(revenue=100.0)
                redis_of_a.hold_answers()  # B's release is on its way to A
                await b.kpi_update(7, PERIOD, release(revenue=120.0), at("10:00:02"))
                assert await on_b.next_cells() == release(revenue=120.0)
                sending = asyncio.create_task(a.kpi_update(7, PERIOD, release(revenue=110.0), at("10:00:01")))
                await asyncio.sleep(0.3)  # A's release has reached Redis, after B's
                redis_of_a.pass_answers()
                await sending
                assert await on_a.next_cells() == release(revenue=120.0)
                for dashboard in (on_a, on_b):
                    assert await dashboard.nothing_more(), "the older release came after the newer one"
            finally:
                for dashboard in (on_a, on_b):
                    await dashboard.client.disconnect()
