"""Security headers on every response the portal sends (issue 24; docs/security.md).

The content security policy allows scripts only from the portal itself: no inline
script or handler, nothing from elsewhere, so an escaping bug has a second line of
defence. Styles may be inline: ECharts and htmx set style attributes, and a style
attribute runs no code. No page may be framed (clickjacking of buttons such as
"Token erstellen").
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",  # the Socket.IO websocket to the same host
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(https: bool) -> Callable[[Message, Scope], Coroutine[Any, Any, None]]:
    """A `before_send` hook of the Litestar app adding the headers to every response start."""
    headers = {**HEADERS, **({"strict-transport-security": HSTS} if https else {})}

    async def add(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            mutable = MutableScopeHeaders.from_message(message)
            for name, value in headers.items():
                if name not in mutable:
                    mutable[name] = value

    return add
