"""Cross-site request forgery against a signed-in user (issue 7; sign-in itself: tests/web/test_sign_in.py).

A forged form carries the victim's cookies but not the token of the victim's page; the API
takes no cookies at all, so a forged request there is simply not signed in.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import httpx
import pytest

from kpi.months import format_month, month_of
from tests.support.personas import SignIn, csrf_field

MONTH = format_month(month_of(date.today()))


def token_names(database_url: str) -> list[str]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return [name for (name,) in db.execute("select name from access_tokens")]


@pytest.mark.parametrize("forged", ["none", "another session's", "made up"])
async def test_a_forged_form_of_a_signed_in_user_is_refused_and_changes_nothing(
    sign_in: SignIn, portal: str, demo_sqlite: str, forged: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as victim, httpx.AsyncClient(base_url=portal) as attacker:
        await sign_in(victim, "gf1001")
        await sign_in(attacker, "gf1002")
        token = {
            "none": {},
            "another session's": {"_csrf_token": csrf_field((await attacker.get("/konto")).text)},
            "made up": {"_csrf_token": "a" * 64},
        }[forged]
        answer = await victim.post("/konto/token", data={"name": "Von evil.example", **token})
        header = await victim.post("/konto/token", data={"name": "Von evil.example"}, headers={"x-csrftoken": "a" * 64})
    assert answer.status_code == 403 and header.status_code == 403
    assert "Von evil.example" not in token_names(demo_sqlite)


async def test_the_api_takes_no_session_cookie_so_a_forged_request_is_not_signed_in(
    sign_in: SignIn, portal: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as victim:
        await sign_in(victim, "gf1001")
        answer = await victim.put(f"/api/v1/partners/1001/figures/{MONTH}", json={"units_new": 1})
    assert answer.status_code == 401 and "Zugriffstoken" in answer.json()["detail"]


async def test_a_planted_cookie_and_token_of_another_session_are_refused(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    """Double submit alone took any matching pair; the pair must be the one of the victim's session."""
    async with httpx.AsyncClient(base_url=portal) as victim, httpx.AsyncClient(base_url=portal) as attacker:
        await sign_in(victim, "gf1001")
        await sign_in(attacker, "gf1002")
        token = csrf_field((await attacker.get("/konto")).text)
        victim.cookies.set("portal_csrf", attacker.cookies["portal_csrf"])  # planted by a sibling host
        planted = await victim.post("/konto/token", data={"name": "Von evil.example", "_csrf_token": token})
    assert planted.status_code == 403
    assert "Von evil.example" not in token_names(demo_sqlite)


async def test_the_token_changes_at_sign_in_and_the_own_forms_keep_working(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        before = (await browser.get("/login")).cookies.get("portal_csrf") or browser.cookies.get("portal_csrf")
        await sign_in(browser, "gf1001")
        after = browser.cookies["portal_csrf"]
        token = csrf_field((await browser.get("/konto")).text)
        made = await browser.post("/konto/token", data={"name": "Eigenes Token", "_csrf_token": token})
    assert before and after != before
    assert made.status_code in (200, 303) and "Eigenes Token" in token_names(demo_sqlite)
