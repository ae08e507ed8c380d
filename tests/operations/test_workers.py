"""Scale-out as operators run it: `portal serve` processes on PostgreSQL and Redis act as one portal."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
import socketio
from sqlalchemy.engine import make_url

from kpi.months import format_month, month_of
from tests.support.personas import SignIn, csrf_field
from tests.support.processes import serving_process
from tests.support.tokens import token_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

MONTH = format_month(month_of(date.today()))


async def _socket(
    base: str, token: str | None = None, **kwargs: Any
) -> tuple[socketio.AsyncClient, asyncio.Queue[Any]]:
    events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)
    for name in ("kpi:own", "chat:message"):
        client.on(name, lambda data, name=name: events.put_nowait((name, data)))
    auth = {"token": token} if token else None
    await client.connect(base, auth=auth, transports=["websocket"], wait_timeout=5, **kwargs)
    return client, events


async def test_two_server_processes_share_figures_chat_and_sign_out(
    scale_out_env: dict[str, str], postgres_url: str, sign_in: SignIn
) -> None:
    token_1001, token_1002 = await token_for(postgres_url, "gf1001"), await token_for(postgres_url, "gf1002")
    async with serving_process(scale_out_env) as one, serving_process(scale_out_env) as other:
        dashboard, events = await _socket(other.url, token_1001)
        colleague, _ = await _socket(one.url, token_1002)
        try:
            async with httpx.AsyncClient(base_url=one.url, headers={"Authorization": f"Bearer {token_1001}"}) as api:
                answer = await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"units_new": 17})
                assert answer.status_code == 200, answer.text
                kind, event = await asyncio.wait_for(events.get(), 10)
                assert (kind, event["partner"], event["kpis"]["units_new"]) == ("kpi:own", 1001, 17)

                rooms = (await api.get("/api/v1/chat/rooms")).json()
            nord = next(room["id"] for room in rooms if room["name"] == "Region Nord")
            ack = await colleague.call("chat:send", {"room": nord, "body": "Hallo von nebenan"}, timeout=5)
            assert ack["ok"], ack
            kind, event = await asyncio.wait_for(events.get(), 10)
            assert (kind, event["id"], event["body"]) == ("chat:message", ack["id"], "Hallo von nebenan")
        finally:
            await dashboard.disconnect()
            await colleague.disconnect()

        # Signing out on one server ends the user's socket on the other (PITFALLS 4).
        async with httpx.AsyncClient(base_url=one.url) as browser:
            await sign_in(browser, "gf1001")
            cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
            browser_socket, _ = await _socket(other.url, headers={"Cookie": cookie})
            home = await browser.get("/")
            await browser.post("/logout", data={"_csrf_token": csrf_field(home.text)})
        for _ in range(100):
            if not browser_socket.connected:
                break
            await asyncio.sleep(0.05)
        assert not browser_socket.connected


async def _stored(postgres_url: str) -> dict[int, dict[str, float]]:
    """Partner number -> this month's stored values, straight from the database."""
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            """
            select p.number, m.key, f.value
            from figures f
            join partners p on p.id = f.partner_id
            join metrics m on m.id = f.metric_id
            where f.month = $1
            """,
            month_of(date.today()),
        )
    finally:
        await connection.close()
    stored: dict[int, dict[str, float]] = {}
    for number, key, value in rows:
        stored.setdefault(number, {})[key] = value
    return stored


def _values(number: int, round_no: int) -> dict[str, int]:
    """One submission: three fields carry the same mark, so a half-written one shows."""
    mark = number * 1000 + round_no
    return {"units_new": mark, "revenue_new": mark * 10, "stock_new": mark * 100}


async def test_a_worker_killed_during_a_burst_loses_no_acknowledged_submission(
    scale_out_env: dict[str, str], postgres_url: str
) -> None:
    admin = await token_for(postgres_url, "admin")
    partners = range(1001, 1041)
    acknowledged: dict[int, int] = {}  # partner -> last round answered 200
    unanswered: dict[int, set[int]] = {number: set() for number in partners}
    stop = asyncio.Event()

    async with (
        serving_process(scale_out_env, workers=2) as portal,
        httpx.AsyncClient(base_url=portal.url, headers={"Authorization": f"Bearer {admin}"}, timeout=30) as api,
    ):

        async def keep_submitting(number: int) -> None:
            round_no = 0
            while not stop.is_set():
                round_no += 1
                try:
                    answer = await api.put(f"/api/v1/partners/{number}/figures/{MONTH}", json=_values(number, round_no))
                except httpx.TransportError:
                    unanswered[number].add(round_no)  # the connection died with the worker
                    continue
                assert answer.status_code == 200, answer.text
                acknowledged[number] = round_no

        burst = [asyncio.create_task(keep_submitting(number)) for number in partners]
        await asyncio.sleep(1.5)
        victim = portal.busiest_worker()
        os.kill(victim, signal.SIGKILL)
        await asyncio.sleep(1.5)
        stop.set()
        await asyncio.gather(*burst)

        stored = await _stored(postgres_url)
        assert any(unanswered.values()), "the kill hit no submission in flight"
        for number in partners:
            round_no = stored[number]["units_new"] - number * 1000
            # Whole: all three fields from one submission. Nothing acknowledged lost: that one or a later one.
            assert stored[number] == _values(number, round_no), (number, stored[number])
            assert round_no == acknowledged[number] or (
                round_no > acknowledged[number] and round_no in unanswered[number]
            ), (number, round_no, acknowledged[number], unanswered[number])

        # The portal goes on: the supervisor replaces the worker, and everyone can submit.
        for _ in range(100):
            if len(portal.worker_pids()) == 2 and victim not in portal.worker_pids():
                break
            await asyncio.sleep(0.1)
        assert victim not in portal.worker_pids() and len(portal.worker_pids()) == 2
        for number in partners:
            answer = await api.put(f"/api/v1/partners/{number}/figures/{MONTH}", json=_values(number, 999))
            assert answer.status_code == 200, answer.text
