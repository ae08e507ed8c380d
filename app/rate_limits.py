"""Requests per address and minute, and sign-in attempts per address and minute (Litestar's rate limit)."""

from __future__ import annotations

from typing import Any

import anyio
from litestar import Request
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.types import ASGIApp

from app.settings import Settings


class RateLimitInPlace(RateLimitMiddleware):
    """Litestar's rate limit, taking its lock in place when it is free: the library's anyio lock
    passes through the event loop on every acquire, a loop round per request (tens of
    milliseconds each under load)."""

    def __init__(self, app: ASGIApp, config: RateLimitConfig) -> None:
        super().__init__(app, config)
        self._lock = anyio.Lock(fast_acquire=True)


async def _is_sign_in_attempt(request: Request[Any, Any, Any]) -> bool:
    # A coroutine: Litestar runs a plain function here in a worker thread, for every request.
    return request.method == "POST" and request.scope["path"].startswith("/login")


def rate_limits(settings: Settings) -> list[DefineMiddleware]:
    login = RateLimitConfig(
        rate_limit=("minute", settings.login_rate_per_minute),
        store="login_rate_limit",
        check_throttle_handler=_is_sign_in_attempt,
        set_rate_limit_headers=False,
    )
    everything = RateLimitConfig(
        rate_limit=("minute", settings.request_rate_per_minute),
        store="request_rate_limit",
        exclude=["^/static/"],
        set_rate_limit_headers=False,
    )
    return [DefineMiddleware(RateLimitInPlace, config=config) for config in (login, everything)]
