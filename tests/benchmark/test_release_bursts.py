"""Under load a group's releases collect many submissions, across workers too; without load
each due release goes out at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import socketio

from app.server import create_app
from app.settings import Settings
from tests.benchmark.test_benchmark_api import MONTH, api_as, group_id
from tests.support.server import serving
from tests.support.tokens import token_for


async def test_two_portals_on_one_database_release_a_burst_in_few_updates_and_show_the_last_figure(
    demo_sqlite: str, make_settings: Callable[..., Settings]
) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    settings = make_settings(demo_sqlite, release_share=Settings.release_share)  # the default, not the tests' 1.0
    token = await token_for(demo_sqlite, "gf1002")
    updates: list[tuple[float, int | None]] = []  # (arrival, n of revenue_new) from either portal

    def note(event: dict[str, object]) -> None:
        if event["group"] == everyone:
            cell = event["kpis"]["revenue_new"]  # type: ignore[index]
            updates.append((time.monotonic(), cell.get("n")))

    async with serving(create_app(settings)) as first, serving(create_app(settings)) as second:
        listeners = [socketio.AsyncClient(reconnection=False) for _ in range(2)]
        for listener, base in zip(listeners, (first, second), strict=True):
            listener.on("kpi:update", note)
            await listener.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=5)
        apis = [await api_as(base, demo_sqlite, "admin") for base in (first, second)]
        async with apis[0], apis[1]:
            # A burst of 24 submissions at once, half to each portal (two workers): requests queue.
            answers: list[httpx.Response] = await asyncio.gather(
                *(
                    apis[i % 2].put(f"/api/v1/partners/{1003 + i}/figures/{MONTH}", json={"revenue_new": 300_000.0 + i})
                    for i in range(24)
                )
            )
            assert all(a.status_code == 200 for a in answers)
            await asyncio.sleep(3)  # the releases in the background
            shown = await apis[0].get("/api/v1/benchmark", params={"group": everyone, "period": MONTH, "span": "month"})
        for listener in listeners:
            await listener.disconnect()
    # Not one per submission, nor one per three (what the anonymity rule alone would allow).
    assert 2 <= len(updates) <= 5, updates
    # The last release came after the burst and includes everything it may show.
    assert updates[-1][1] is not None and updates[-1][1] >= 22
    assert shown.json()["kpis"]["revenue_new"]["n"] == updates[-1][1]


async def test_without_load_each_due_release_goes_out_at_once(
    demo_sqlite: str, make_settings: Callable[..., Settings]
) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    settings = make_settings(demo_sqlite, release_share=Settings.release_share)  # the default, not the tests' 1.0
    token = await token_for(demo_sqlite, "gf1002")
    shown: list[int | None] = []  # n of revenue_new in each update of "Alle Partner"
    arrived = asyncio.Event()

    def note(event: dict[str, object]) -> None:
        if event["group"] == everyone:
            shown.append(event["kpis"]["revenue_new"].get("n"))  # type: ignore[index]
            arrived.set()

    async with serving(create_app(settings)) as base:
        listener = socketio.AsyncClient(reconnection=False)
        listener.on("kpi:update", note)
        await listener.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=5)
        async with await api_as(base, demo_sqlite, "admin") as api:
            # One submission after another, each answered before the next, a moment apart: no queue.
            for i in range(9):
                answer = await api.put(f"/api/v1/partners/{1003 + i}/figures/{MONTH}", json={"revenue_new": 1.0e5 + i})
                assert answer.status_code == 200
                await asyncio.sleep(0.3)
            while 7 not in shown:  # the release due at the seventh
                arrived.clear()
                await asyncio.wait_for(arrived.wait(), timeout=5)
        await listener.disconnect()
    assert shown == [None, None, 7]  # at the 1st, 4th and 7th (below 5 contributors the cell is hidden)
