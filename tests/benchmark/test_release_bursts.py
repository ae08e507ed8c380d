"""Every submission releases its groups; a burst, across workers too, loses none."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import socketio

from app.benchmark.live import Coalescer
from app.server import create_app
from app.settings import Settings
from tests.benchmark.test_benchmark_api import MONTH, api_as, group_id
from tests.support.server import serving
from tests.support.tokens import token_for


async def test_two_portals_on_one_database_release_a_burst_and_show_the_last_figure(
    demo_sqlite: str, make_settings: Callable[..., Settings]
) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    settings = make_settings(demo_sqlite)
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
            shown = await apis[0].get("/api/v1/benchmark", params={"group": everyone, "period": MONTH, "span": "month"})
            for listener in listeners:
                await listener.disconnect()
    # Each portal pushes to its own sockets (no Redis here); each saw the release holding all 24.
    assert shown.json()["kpis"]["revenue_new"]["n"] == 24
    assert max(n or 0 for _, n in updates) == 24
    assert len(updates) <= 2 * 24


async def test_without_load_each_submission_releases_its_group_once(
    demo_sqlite: str, make_settings: Callable[..., Settings]
) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    token = await token_for(demo_sqlite, "gf1002")
    shown: asyncio.Queue[int | None] = asyncio.Queue()  # n of revenue_new in each update of "Alle Partner"

    def note(event: dict[str, object]) -> None:
        if event["group"] == everyone:
            shown.put_nowait(event["kpis"]["revenue_new"].get("n"))  # type: ignore[index]

    async with serving(create_app(make_settings(demo_sqlite))) as base:
        listener = socketio.AsyncClient(reconnection=False)
        listener.on("kpi:update", note)
        await listener.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=5)
        seen = []
        async with await api_as(base, demo_sqlite, "admin") as api:
            for i in range(7):
                answer = await api.put(f"/api/v1/partners/{1003 + i}/figures/{MONTH}", json={"revenue_new": 1.0e5 + i})
                assert answer.status_code == 200
                seen.append(await asyncio.wait_for(shown.get(), timeout=10))  # this submission's release
        await listener.disconnect()
    assert seen == [None, None, None, None, 5, 6, 7]  # below 5 contributors the cell is hidden
    assert shown.empty(), "one release per submission, none more"


async def test_submissions_during_a_release_get_one_more_release_that_reads_afresh() -> None:
    """A release run again must not reuse what its first caller read (its `released_at` would come
    before the submissions it serves), and the first caller (a PUT) does not wait for it."""
    runs = Coalescer()
    started = {False: asyncio.Event(), True: asyncio.Event()}
    go_on = {False: asyncio.Event(), True: asyncio.Event()}
    calls: list[tuple[str, bool]] = []

    def job(name: str) -> Callable[[bool], Awaitable[None]]:
        async def run(again: bool) -> None:
            calls.append((name, again))
            started[again].set()
            await go_on[again].wait()

        return run

    first = asyncio.create_task(runs.run("group", job("first")))
    await started[False].wait()
    await runs.run("group", job("second"))  # returns at once: served by a run after the first
    await runs.run("group", job("third"))
    go_on[False].set()
    await asyncio.wait_for(first, 5)  # the first caller is done with its own release
    await asyncio.wait_for(started[True].wait(), 5)  # while the run again goes on
    go_on[True].set()
    await runs.settled()
    assert calls == [("first", False), ("first", True)]
