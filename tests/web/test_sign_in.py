"""Signing in and out through the browser form."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.personas import csrf_field, sign_in

SESSION = "portal_session"


async def test_the_login_page_shows_a_form_with_csrf_token(portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        page = await browser.get("/login")
    assert page.status_code == 200
    assert 'name="username"' in page.text and 'name="password"' in page.text
    assert csrf_field(page.text)
    assert "Anmelden" in page.text and 'lang="de"' in page.text


async def test_the_right_password_leads_to_the_landing_page(portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal, follow_redirects=True) as browser:
        page = await sign_in(browser, "gf1001")
    assert str(page.url).endswith("/") and page.status_code == 200
    assert "Partner 1001" in page.text and "Meldestand" in page.text


async def test_a_wrong_password_or_name_gets_the_same_message_and_no_session(portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        wrong_password = await sign_in(browser, "gf1001", "Falsches-Passwort-123")
        wrong_name = await sign_in(browser, "niemand", "Demo-Portal-2026!")
        home = await browser.get("/")
    assert wrong_password.status_code == wrong_name.status_code == 400
    assert "Benutzername oder Passwort ist falsch" in wrong_password.text
    assert wrong_password.text.replace('value="gf1001"', "") == wrong_name.text.replace('value="niemand"', "")
    assert home.status_code == 303 and home.headers["location"] == "/login"


async def test_a_form_without_csrf_token_is_refused(portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await browser.get("/login")
        answer = await browser.post("/login", data={"username": "gf1001", "password": "Demo-Portal-2026!"})
        home = await browser.get("/")
    assert answer.status_code == 403
    assert home.status_code == 303


async def test_an_attacker_chosen_session_id_is_replaced_at_sign_in(portal: str) -> None:
    planted = "ab" * 32
    async with httpx.AsyncClient(base_url=portal) as browser:
        browser.cookies.set(SESSION, planted, domain="127.0.0.1")
        await sign_in(browser, "gf1001")
        issued = browser.cookies.get(SESSION)
    assert issued and issued != planted
    async with httpx.AsyncClient(base_url=portal, cookies={SESSION: planted}) as attacker:
        assert (await attacker.get("/")).status_code == 303


async def test_signing_out_ends_the_session(portal: str) -> None:
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
    stored = list((tmp_path / "var" / "sessions").glob("*"))
    assert stored == []
