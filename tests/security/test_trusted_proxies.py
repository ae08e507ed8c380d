"""Forwarding headers count only from the configured proxy: rotating X-Forwarded-For from any other
peer does not escape the per-address sign-in limit."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support.processes import portal_env, serving_process


async def _attempts(portal: str, count: int) -> list[int]:
    """`count` wrong sign-ins, each claiming another client address; their status codes."""
    codes = []
    async with httpx.AsyncClient(base_url=portal) as browser:
        form = await browser.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        for i in range(count):
            answer = await browser.post(
                "/login",
                data={"username": "gf1001", "password": "falsch-falsch-falsch", "_csrf_token": token.group(1)},
                headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
            )
            codes.append(answer.status_code)
    return codes


async def test_rotating_forwarded_for_from_an_untrusted_peer_is_limited_like_any_client(
    demo_sqlite: str, tmp_path: Path
) -> None:
    env = portal_env(tmp_path / "var", demo_sqlite, PORTAL_LOGIN_RATE_PER_MINUTE="4", PORTAL_LOCKOUT_FAILURES="100")
    async with serving_process(env) as portal:
        codes = await _attempts(portal.url, 6)
    assert 429 not in codes[:4] and codes[4:] == [429, 429], codes


async def test_the_configured_proxy_passes_the_clients_address_on(demo_sqlite: str, tmp_path: Path) -> None:
    env = portal_env(
        tmp_path / "var",
        demo_sqlite,
        PORTAL_LOGIN_RATE_PER_MINUTE="4",
        PORTAL_LOCKOUT_FAILURES="100",
        PORTAL_TRUSTED_PROXIES="127.0.0.1",
    )
    async with serving_process(env) as portal:
        codes = await _attempts(portal.url, 6)
    assert 429 not in codes, codes  # six different clients behind the proxy, one attempt each
