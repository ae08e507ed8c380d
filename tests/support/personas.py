"""The demo network's people (shared/CONTRACT.md) and the browser's way in, code step included."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from app.demo.people import DEMO_PASSWORD

PASSWORD = DEMO_PASSWORD
ZENTRALE = ("admin", "moderator", "vertrieb", "gebiet-sued", "debitoren")
PARTNER_USERS = ("gf1001", "gf1002", "bh1001")
EVERYONE = ZENTRALE + PARTNER_USERS

_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
# The `sign_in` fixture: `await sign_in(client, "gf1001")` signs in through both steps.
SignIn = Callable[..., Awaitable[httpx.Response]]


def csrf_field(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no _csrf_token field"
    return match.group(1)


class Outbox:
    """The SMS outbox file of a test's portal (PORTAL_SMS_BACKEND=outbox)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def messages(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]

    def last_code(self, to: str | None = None) -> str:
        for message in reversed(self.messages()):
            if to is None or message["to"] == to:
                codes = _CODE.findall(message["text"])
                assert len(codes) == 1, message
                return codes[0]
        raise AssertionError(f"no SMS to {to or 'anyone'} in {self.path}")


async def submit_password(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login", data={"username": username, "password": password, "_csrf_token": csrf_field(page.text)}
    )


async def submit_code(client: httpx.AsyncClient, code: str) -> httpx.Response:
    page = await client.get("/login/code")
    return await client.post("/login/code", data={"code": code, "_csrf_token": csrf_field(page.text)})


async def sign_in_with(
    outbox: Outbox, client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    """Password form, then the code from the newest SMS; answers the code step's response."""
    sent = len(outbox.messages())
    answer = await submit_password(client, username, password)
    if answer.status_code != 303:
        return answer
    assert len(outbox.messages()) == sent + 1, "the password step sends exactly one SMS"
    return await submit_code(client, outbox.last_code())
