"""Who is asking: a bearer token (API and socket) or the session cookie (pages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from app.auth.permissions import Principal
from app.auth.principals import load_principal
from app.auth.tokens import token_user
from app.auth.user_sessions import live_session
from app.db import Database
from app.settings import Settings


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class PortalAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        db: Database = connection.app.state.db
        settings: Settings = connection.app.state.settings
        token = bearer_token(connection)
        if connection.scope["path"].startswith("/api/"):
            # The API takes tokens only (a session cookie there would need CSRF protection too),
            # and a token opens the API only: a leaked ERP token is no browser session.
            if not token:
                raise NotAuthorizedException("Für die API ist ein persönliches Zugriffstoken nötig.")
            async with db.read() as session:
                user_id = await token_user(session, db, token)
                principal = await load_principal(session, user_id) if user_id is not None else None
        else:
            user_id = await live_session(db, connection.session, settings)
            if user_id is None:
                raise NotAuthorizedException("Bitte melden Sie sich an.")
            async with db.read() as session:
                principal = await load_principal(session, user_id)
        if principal is None:
            raise NotAuthorizedException("Bitte melden Sie sich an.")
        return AuthenticationResult(user=principal, auth=token or "session")


def requires(allowed: Callable[[Principal], bool]) -> Any:
    """A route guard from the same predicate the navigation uses (object checks stay in the services)."""

    async def guard(connection: ASGIConnection[Any, Principal, Any, Any], _: BaseRouteHandler) -> None:
        if not allowed(connection.user):
            raise PermissionDeniedException("Dafür fehlt Ihnen die Berechtigung.")

    return guard


class PasswordChangeRequired(HTTPException):
    status_code = 303


# Where a user with an initial or reset password may still go.
PASSWORD_CHANGE_PATHS = ("/konto/passwort", "/logout", "/static/")


async def password_change_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """An initial or reset password must be replaced before anything else (app-wide guard).

    Guards and the rate limit's check are coroutines: Litestar runs a plain function there in a
    worker thread, a hop through the thread pool and back for every request."""
    principal = connection.scope.get("user")
    if isinstance(principal, Principal) and principal.must_change_password:
        path = connection.scope["path"]
        if not path.startswith(PASSWORD_CHANGE_PATHS) and not path.startswith("/api/"):
            raise PasswordChangeRequired("Bitte ändern Sie zuerst Ihr Passwort.")
