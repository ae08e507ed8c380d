"""Every response carries the browser's second line of defence: CSP, no framing, no sniffing."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from app.server import create_app
from app.settings import Settings
from tests.support.personas import SignIn
from tests.support.server import serving

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def _checked(response: httpx.Response) -> None:
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "script-src 'self'" in policy, response.url
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.url, name)
    assert "camera=()" in response.headers.get("permissions-policy", "")


async def test_every_kind_of_response_carries_the_security_headers(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        for path in ("/login", "/healthz", "/static/js/portal.js", "/gibt-es-nicht", "/api/v1/groups"):
            _checked(await browser.get(path))
        await sign_in(browser, "gf1001")
        for path in ("/", "/analyse", "/chat", "/konto", "/analyse/export/csv"):
            answer = await browser.get(path)
            assert answer.status_code in (200, 403), (path, answer.status_code)
            _checked(answer)
        assert "strict-transport-security" not in answer.headers  # plain http: no HSTS


async def test_https_settings_add_strict_transport_security(
    demo_sqlite: str, make_settings: Callable[..., Settings]
) -> None:
    async with (
        serving(create_app(make_settings(demo_sqlite, cookie_secure=True))) as base,
        httpx.AsyncClient(base_url=base) as browser,
    ):
        answer = await browser.get("/login")
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
