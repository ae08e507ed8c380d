"""A Socket.IO client on the running portal gets what Litestar handlers emit, and nobody else gets in."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest
import socketio

from kpi.months import format_month, month_of
from tests.support.personas import SignIn, csrf_field
from tests.support.tokens import token_for

MONTH = format_month(month_of(date.today()))


async def connected(base: str, **kwargs: object) -> tuple[socketio.AsyncClient, asyncio.Queue[dict[str, object]]]:
    received: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)
    client.on("kpi:own", received.put_nowait)
    await client.connect(base, transports=["websocket"], wait_timeout=5, **kwargs)  # type: ignore[arg-type]
    return client, received


async def test_a_submission_through_the_api_reaches_the_partners_socket(portal: str, demo_sqlite: str) -> None:
    client, received = await connected(portal, auth={"token": await token_for(demo_sqlite, "gf1001")})
    admin = await token_for(demo_sqlite, "admin")
    try:
        async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {admin}"}) as api:
            answer = await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"units_new": 7})
        assert answer.status_code == 200, answer.text
        event = await asyncio.wait_for(received.get(), timeout=5)
        assert event["partner"] == 1001 and event["period"] == MONTH
        assert event["kpis"]["units_new"] == 7  # type: ignore[index]
    finally:
        await client.disconnect()


async def test_another_partners_submission_does_not_reach_the_socket(portal: str, demo_sqlite: str) -> None:
    client, received = await connected(portal, auth={"token": await token_for(demo_sqlite, "gf1001")})
    admin = await token_for(demo_sqlite, "admin")
    try:
        async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {admin}"}) as api:
            assert (await api.put(f"/api/v1/partners/1002/figures/{MONTH}", json={"units_new": 3})).status_code == 200
            assert (await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"units_new": 4})).status_code == 200
        event = await asyncio.wait_for(received.get(), timeout=5)
        assert event["partner"] == 1001, "the event of partner 1002 must not arrive here"
    finally:
        await client.disconnect()


async def test_a_browser_session_cookie_opens_the_socket(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    client, received = await connected(portal, headers={"Cookie": cookie})
    admin = await token_for(demo_sqlite, "admin")
    try:
        async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {admin}"}) as api:
            await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"units_new": 5})
        assert (await asyncio.wait_for(received.get(), timeout=5))["partner"] == 1001
    finally:
        await client.disconnect()


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"auth": {"token": "ppt_not-a-real-token-at-all-000000000000"}},
        {"auth": {"token": 12345}},
        {"headers": {"Cookie": "portal_session=" + "ab" * 32}},
    ],
)
async def test_a_socket_without_valid_credentials_is_refused(portal: str, credentials: dict[str, object]) -> None:
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(portal, transports=["websocket"], wait_timeout=5, **credentials)  # type: ignore[arg-type]


async def test_signing_out_disconnects_the_users_sockets(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        client, _ = await connected(portal, headers={"Cookie": cookie})
        home = await browser.get("/")
        await browser.post("/logout", data={"_csrf_token": csrf_field(home.text)})
        for _ in range(50):
            if not client.connected:
                break
            await asyncio.sleep(0.05)
    assert not client.connected


async def test_functional_staff_do_not_receive_a_partners_full_figures(portal: str, demo_sqlite: str) -> None:
    staff, staff_events = await connected(portal, auth={"token": await token_for(demo_sqlite, "debitoren")})
    owner, owner_events = await connected(portal, auth={"token": await token_for(demo_sqlite, "gf1001")})
    admin = await token_for(demo_sqlite, "admin")
    try:
        async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {admin}"}) as api:
            await api.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"revenue_new": 5000})
        await asyncio.wait_for(owner_events.get(), timeout=5)
        await asyncio.sleep(0.2)
        assert staff_events.empty()
    finally:
        await staff.disconnect()
        await owner.disconnect()
