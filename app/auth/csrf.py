"""CSRF tokens bound to the server-side session (issue 24).

Litestar's CSRF check is a double submit: the form's token must match the `csrf` cookie.
A cookie and token made in another session, planted in the victim's browser (a sibling
subdomain can set cookies), matched each other and were accepted. So at sign-in a fresh
token is minted, stored in the session and set as the cookie, and every state-changing
request of that session must carry exactly this cookie (and, as before, its token).
Sessions from before this check carry no token and pass; they end within 12 hours.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import generate_csrf_token

from app.settings import Settings

SESSION_KEY = "csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def cookie_names(settings: Settings) -> tuple[str, str]:
    """The session and CSRF cookies' names: with the `__Host-` prefix over https, so that no other
    host (a sibling subdomain) can set or shadow them."""
    prefix = "__Host-" if settings.cookie_secure else ""
    return f"{prefix}portal_session", f"{prefix}portal_csrf"


def bound_token(settings: Settings) -> tuple[str, Cookie]:
    """A fresh token for a new session, and the cookie carrying it (set with the sign-in's answer)."""
    token = generate_csrf_token(secret=settings.resolved_secret_key())
    cookie = Cookie(
        key=cookie_names(settings)[1],
        value=token,
        path="/",
        secure=settings.cookie_secure,
        httponly=False,
        samesite="lax",
    )
    return token, cookie


def session_bound_csrf(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: a state-changing request of a session with a bound token must carry that token's cookie."""
    if connection.scope.get("method", "GET") in SAFE_METHODS or connection.scope["path"].startswith("/api/"):
        return
    session = connection.scope.get("session")
    bound = session.get(SESSION_KEY) if isinstance(session, dict) else None
    if not bound:
        return
    settings: Settings = connection.app.state.settings
    cookie = connection.cookies.get(cookie_names(settings)[1], "")
    if not hmac.compare_digest(str(bound), cookie):
        raise PermissionDeniedException("Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Bitte neu laden.")
