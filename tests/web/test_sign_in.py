"""Signing in with password and one-time code, and signing out."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from app.auth.passwords import hash_password
from tests.support.personas import (
    EVERYONE,
    PASSWORD,
    Outbox,
    SignIn,
    csrf_field,
    submit_code,
    submit_password,
)

SESSION = "portal_session"


def rows(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return db.execute(sql).fetchall()


async def test_the_login_page_shows_a_form_with_csrf_token_and_the_demo_hint(portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        page = await browser.get("/login")
    assert page.status_code == 200 and 'lang="de"' in page.text
    assert 'name="username"' in page.text and 'name="password"' in page.text and csrf_field(page.text)
    assert "+4915100001001" in page.text and "Demo-Portal-2026!" in page.text


@pytest.mark.parametrize("username", EVERYONE)
async def test_every_demo_user_signs_in_with_the_code_from_the_sms(portal: str, outbox: Outbox, username: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        step = await submit_password(browser, username)
        assert step.status_code == 303 and step.headers["location"] == "/login/code"
        form = await browser.get("/login/code")
        assert 'name="code"' in form.text and "••••" in form.text
        done = await submit_code(browser, outbox.last_code())
        home = await browser.get("/", follow_redirects=True)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert home.status_code == 200 and ("Guten Tag" in home.text or "Zahlen für" in home.text)


@pytest.fixture
async def sms_gateway() -> AsyncIterator[tuple[str, list[dict[str, Any]], dict[str, int]]]:
    """A stand-in for the third-party SMS provider: records what it gets; `status` sets its answer."""
    received: list[dict[str, Any]] = []
    answer = {"status": 202}

    async def accept(request: web.Request) -> web.Response:
        received.append({"auth": request.headers.get("Authorization"), **await request.json()})
        return web.json_response({"id": len(received)}, status=answer["status"])

    app = web.Application()
    app.router.add_post("/sms", accept)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/sms", received, answer
    finally:
        await runner.cleanup()


async def test_the_http_backend_sends_the_code_to_the_gateway(
    portal_with: Callable[..., Any], sms_gateway: tuple[str, list[dict[str, Any]], dict[str, int]]
) -> None:
    url, received, _ = sms_gateway
    async with (
        portal_with(sms_backend="http", sms_url=url, sms_token="gateway-secret") as base,
        httpx.AsyncClient(base_url=base) as browser,
    ):
        await submit_password(browser, "gf1002")
        assert len(received) == 1
        message = received[0]
        assert message["auth"] == "Bearer gateway-secret" and message["to"] == "+4915100001002"
        code = next(word for word in message["text"].replace(".", " ").split() if word.isdigit())
        done = await submit_code(browser, code)
    assert done.status_code == 303 and done.headers["location"] == "/"


async def test_a_failing_gateway_gives_a_clear_message(
    portal_with: Callable[..., Any], sms_gateway: tuple[str, list[dict[str, Any]], dict[str, int]]
) -> None:
    url, _, answer = sms_gateway
    answer["status"] = 500
    async with portal_with(sms_backend="http", sms_url=url) as base, httpx.AsyncClient(base_url=base) as browser:
        page = await submit_password(browser, "gf1002")
        home = await browser.get("/")
    assert page.status_code == 503 and "SMS-Dienst" in page.text and "nicht gesendet" in page.text
    assert home.status_code == 303


async def test_a_wrong_password_or_name_gets_the_same_message_and_no_code(portal: str, outbox: Outbox) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        wrong_password = await submit_password(browser, "gf1001", "Falsches-Passwort-123")
        wrong_name = await submit_password(browser, "niemand")
        home = await browser.get("/")
    assert wrong_password.status_code == wrong_name.status_code == 400
    assert "Benutzername oder Passwort ist falsch" in wrong_password.text
    assert wrong_password.text.replace('value="gf1001"', "") == wrong_name.text.replace('value="niemand"', "")
    assert outbox.messages() == []
    assert home.status_code == 303 and home.headers["location"] == "/login"


async def test_a_longest_password_with_more_appended_is_wrong(portal: str, outbox: Outbox, demo_sqlite: str) -> None:
    longest = "Feldhäcksler-" * 15 + "Mähdrescher-2026"[: 200 - 13 * 15]
    assert len(longest) == 200
    with sqlite3.connect(demo_sqlite.removeprefix("sqlite+aiosqlite:///")) as db:
        db.execute("update users set password_hash = ? where username = 'gf1001'", (hash_password(longest),))
    async with httpx.AsyncClient(base_url=portal) as browser:
        padded = await submit_password(browser, "gf1001", longest + "x")
        right = await submit_password(browser, "gf1001", longest)
    assert padded.status_code == 400 and "Benutzername oder Passwort ist falsch" in padded.text
    assert right.status_code == 303 and len(outbox.messages()) == 1


async def test_a_wrong_code_says_so_and_the_right_one_still_works(portal: str, outbox: Outbox) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await submit_password(browser, "gf1001")
        code = outbox.last_code()
        wrong = await submit_code(browser, "000000" if code != "000000" else "111111")
        right = await submit_code(browser, code)
    assert wrong.status_code == 400 and "Der Code ist falsch" in wrong.text
    assert right.status_code == 303


async def test_a_used_code_does_not_sign_in_again(portal: str, outbox: Outbox) -> None:
    async with httpx.AsyncClient(base_url=portal) as first:
        await submit_password(first, "gf1001")
        code = outbox.last_code()
        pending_cookie = dict(first.cookies.items())
        assert (await submit_code(first, code)).status_code == 303
    # Replaying the pre-sign-in session and the code it was sent.
    async with httpx.AsyncClient(base_url=portal, cookies=pending_cookie) as replay:
        csrf = csrf_field((await replay.get("/login")).text)
        again = await replay.post("/login/code", data={"code": code, "_csrf_token": csrf})
        home = await replay.get("/")
    assert again.status_code == 303 and again.headers["location"] == "/login"
    assert home.status_code == 303


async def test_an_expired_code_fails(portal_with: Callable[..., Any], outbox: Outbox) -> None:
    async with portal_with(code_ttl_seconds=1) as base, httpx.AsyncClient(base_url=base) as browser:
        await submit_password(browser, "gf1001")
        code = outbox.last_code()
        await asyncio.sleep(1.2)
        page = await browser.get("/login/code")
        csrf = csrf_field((await browser.get("/login")).text)
        late = await browser.post("/login/code", data={"code": code, "_csrf_token": csrf})
        home = await browser.get("/")
    assert page.status_code == 302 and page.headers["location"] == "/login"
    assert late.status_code == 303 and late.headers["location"] == "/login"
    assert home.status_code == 303


async def test_the_sixth_code_fails_even_when_right(portal_with: Callable[..., Any], outbox: Outbox) -> None:
    # Lock-out set high so that only the per-code limit of five tries is at work here.
    async with portal_with(lockout_failures=100) as base, httpx.AsyncClient(base_url=base) as browser:
        await submit_password(browser, "gf1001")
        code = outbox.last_code()
        wrong = "000000" if code != "000000" else "111111"
        csrf = csrf_field((await browser.get("/login/code")).text)
        answers = [await browser.post("/login/code", data={"code": wrong, "_csrf_token": csrf}) for _ in range(5)]
        sixth = await browser.post("/login/code", data={"code": code, "_csrf_token": csrf})
        home = await browser.get("/")
    assert [a.status_code for a in answers] == [400] * 5
    assert "Der Code ist falsch" in answers[3].text and "zu oft falsch" in answers[4].text
    assert sixth.status_code == 303 and sixth.headers["location"] == "/login"
    assert home.status_code == 303


async def test_five_failures_lock_the_account(portal: str, outbox: Outbox) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        for _ in range(5):
            assert (await submit_password(browser, "gf1002", "Falsches-Passwort-123")).status_code == 400
        locked = await submit_password(browser, "gf1002")
    assert locked.status_code == 400 and "gesperrt" in locked.text
    assert outbox.messages() == []


async def test_a_lock_ends_by_itself_after_its_time(portal_with: Callable[..., Any], outbox: Outbox) -> None:
    async with portal_with(lockout_minutes=0.05) as base, httpx.AsyncClient(base_url=base) as browser:
        for _ in range(5):
            await submit_password(browser, "gf1002", "Falsches-Passwort-123")
        assert (await submit_password(browser, "gf1002")).status_code == 400
        await asyncio.sleep(3.2)
        assert (await submit_password(browser, "gf1002")).status_code == 303


async def test_a_new_code_only_after_60_seconds(portal: str, outbox: Outbox) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await submit_password(browser, "gf1001")
        csrf = csrf_field((await browser.get("/login/code")).text)
        too_soon = await browser.post("/login/code/sms", data={"_csrf_token": csrf})
    assert too_soon.status_code == 429 and "Sekunden" in too_soon.text
    assert len(outbox.messages()) == 1


async def test_codes_and_tokens_are_not_stored_in_clear(portal: str, demo_sqlite: str, outbox: Outbox) -> None:
    from tests.support.tokens import token_for

    token = await token_for(demo_sqlite, "gf1001")
    async with httpx.AsyncClient(base_url=portal) as browser:
        await submit_password(browser, "gf1001")
    code = outbox.last_code()
    dump = "\n".join(
        str(row)
        for table in ("access_tokens", "login_challenges")
        for row in rows(demo_sqlite, f"select * from {table}")
    )
    assert token not in dump and token[4:] not in dump and f"'{code}'" not in dump


async def test_a_form_without_csrf_token_is_refused(portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await browser.get("/login")
        answer = await browser.post("/login", data={"username": "gf1001", "password": PASSWORD})
        home = await browser.get("/")
    assert answer.status_code == 403
    assert home.status_code == 303


async def test_an_attacker_chosen_session_id_does_not_survive_sign_in(sign_in: SignIn, portal: str) -> None:
    planted = "ab" * 32
    async with httpx.AsyncClient(base_url=portal) as browser:
        browser.cookies.set(SESSION, planted, domain="127.0.0.1")
        await sign_in(browser, "gf1001")
        issued = browser.cookies.get(SESSION)
        assert (await browser.get("/")).status_code == 200
    assert issued and issued != planted
    async with httpx.AsyncClient(base_url=portal, cookies={SESSION: planted}) as attacker:
        assert (await attacker.get("/")).status_code == 303


async def test_signing_out_ends_the_session(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "vertrieb")
        session_id = browser.cookies.get(SESSION)
        home = await browser.get("/")
        out = await browser.post("/logout", data={"_csrf_token": csrf_field(home.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    async with httpx.AsyncClient(base_url=portal, cookies={SESSION: session_id or ""}) as replay:
        assert (await replay.get("/")).status_code == 303


async def test_anonymous_visits_leave_no_session_behind(portal: str, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        for path in ("/login", "/login", "/static/css/portal.css", "/"):
            page = await browser.get(path)
            assert SESSION not in page.cookies
    assert list((tmp_path / "var" / "sessions").glob("*")) == []
