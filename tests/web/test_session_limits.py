"""Session time-outs, cookie flags, rate limits and the socket's origin check."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import socketio

from tests.support.personas import PASSWORD, Outbox, SignIn, csrf_field, submit_password


async def test_cookies_are_httponly_and_lax_and_secure_when_configured(portal_with: Callable[..., Any]) -> None:
    async with portal_with(cookie_secure=True) as base, httpx.AsyncClient(base_url=base) as browser:
        login = await browser.get("/login")
        (csrf_cookie,) = login.headers.get_list("set-cookie")
        # A Secure cookie does not travel back over plain http, so hand it over as a browser on https would.
        token = csrf_cookie.split(";")[0].split("=", 1)[1]
        step = await browser.post(
            "/login",
            headers={"Cookie": f"__Host-portal_csrf={token}"},
            data={"username": "gf1001", "password": PASSWORD, "_csrf_token": csrf_field(login.text)},
        )
    (session_cookie,) = step.headers.get_list("set-cookie")
    # Over https both carry the __Host- prefix: no other host (a sibling subdomain) can set or shadow them.
    assert step.status_code == 303 and session_cookie.startswith("__Host-portal_session=")
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie and "Secure" in session_cookie
    assert csrf_cookie.startswith("__Host-portal_csrf=") and "Secure" in csrf_cookie and "SameSite=lax" in csrf_cookie
    assert "Path=/" in csrf_cookie and "Domain" not in csrf_cookie


async def test_an_idle_session_ends(portal_with: Callable[..., Any], sign_in: SignIn) -> None:
    async with portal_with(session_idle_minutes=0.05) as base, httpx.AsyncClient(base_url=base) as browser:
        await sign_in(browser, "gf1001")
        assert (await browser.get("/")).status_code == 200
        await asyncio.sleep(3.5)
        assert (await browser.get("/")).status_code == 303


async def test_a_session_ends_after_its_absolute_lifetime_even_when_busy(
    portal_with: Callable[..., Any], sign_in: SignIn
) -> None:
    async with portal_with(session_absolute_hours=3 / 3600) as base, httpx.AsyncClient(base_url=base) as browser:
        await sign_in(browser, "gf1001")
        for _ in range(4):
            assert (await browser.get("/")).status_code == 200
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.5)
        assert (await browser.get("/")).status_code == 303


async def test_sign_in_attempts_are_limited_per_address_without_blocking_pages(
    portal_with: Callable[..., Any], outbox: Outbox
) -> None:
    async with portal_with(login_rate_per_minute=3) as base, httpx.AsyncClient(base_url=base) as browser:
        answers = [await submit_password(browser, name, "Falsch-Falsch-Falsch") for name in ("a", "b", "c", "d")]
        page = await browser.get("/login")
    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert "Zu viele Anfragen" in answers[-1].text
    assert page.status_code == 200, "the sign-in limiter keeps its own count"


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:1"])
async def test_a_socket_from_a_foreign_origin_with_a_valid_session_is_refused(
    portal: str, sign_in: SignIn, origin: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    hijacker = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await hijacker.connect(
            portal, headers={"Cookie": cookie, "Origin": origin}, transports=["websocket"], wait_timeout=5
        )
    same_site = socketio.AsyncClient(reconnection=False)
    await same_site.connect(
        portal, headers={"Cookie": cookie, "Origin": portal}, transports=["websocket"], wait_timeout=5
    )
    await same_site.disconnect()
