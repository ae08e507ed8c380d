"""The demo network's people (shared/CONTRACT.md), as the tests use them."""

from __future__ import annotations

import re

import httpx

from app.demo.people import DEMO_PASSWORD

PASSWORD = DEMO_PASSWORD
ZENTRALE = ("admin", "moderator", "vertrieb", "gebiet-sued", "debitoren")
PARTNER_USERS = ("gf1001", "gf1002", "bh1001")
EVERYONE = ZENTRALE + PARTNER_USERS

_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_field(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no _csrf_token field"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    """The browser's way in: the login form with its CSRF token."""
    page = await client.get("/login")
    return await client.post(
        "/login", data={"username": username, "password": password, "_csrf_token": csrf_field(page.text)}
    )
