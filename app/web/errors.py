"""Errors as people and programs expect them: pages for browsers, `{"detail": ...}` for the API."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from app.auth.middleware import PasswordChangeRequired
from app.db import BUSY, CANNOT_SERVE, cannot_serve_message

RETRY_AFTER_SECONDS = 30
BUSY_RETRY_AFTER_SECONDS = 5
TITLES = {
    400: "Ungültige Anfrage",
    401: "Anmeldung erforderlich",
    403: "Kein Zugriff",
    404: "Seite nicht gefunden",
    405: "Nicht erlaubt",
    422: "Ungültige Eingabe",
    429: "Zu viele Anfragen",
}


def _wants_json(request: Request[Any, Any, State]) -> bool:
    path = request.scope["path"]
    return path.startswith(("/api/", "/schema")) or "application/json" in request.headers.get("accept", "")


def http_error(request: Request[Any, Any, State], exc: HTTPException) -> Response[Any]:
    if _wants_json(request):
        body: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.detail}
        if exc.extra:
            body["extra"] = exc.extra
        return Response(body, status_code=exc.status_code, media_type=MediaType.JSON, headers=exc.headers)
    if isinstance(exc, PasswordChangeRequired):
        return Redirect("/konto/passwort", status_code=303)
    if isinstance(exc, NotAuthorizedException):
        if request.headers.get("hx-request"):
            return Response("", status_code=401, headers={"HX-Redirect": "/login"})
        return Redirect("/login", status_code=303)
    return Template(
        "error.html",
        status_code=exc.status_code,
        context={"title": TITLES.get(exc.status_code, "Fehler"), "detail": exc.detail},
    )


def server_error(request: Request[Any, Any, State], exc: Exception) -> Response[Any]:
    request.logger.exception("unhandled error", exc_info=exc)
    detail = "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es erneut."
    if _wants_json(request):
        return Response({"status_code": 500, "detail": detail}, status_code=HTTP_500_INTERNAL_SERVER_ERROR)
    return Template("error.html", status_code=500, context={"title": "Fehler", "detail": detail})


def unavailable(request: Request[Any, Any, State], exc: Exception) -> Response[Any]:
    """The database does not answer, or every connection is taken (overload): nothing was stored."""
    request.logger.warning("service unavailable: %s: %s", type(exc).__name__, exc)
    detail = cannot_serve_message(exc)
    headers = {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS if isinstance(exc, BUSY) else RETRY_AFTER_SECONDS)}
    if _wants_json(request):
        body = {"status_code": 503, "detail": detail}
        return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
    context = {"title": "Vorübergehend nicht erreichbar", "detail": detail}
    return Template("error.html", status_code=HTTP_503_SERVICE_UNAVAILABLE, context=context, headers=headers)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    HTTPException: http_error,
    HTTP_500_INTERNAL_SERVER_ERROR: server_error,
    **dict.fromkeys(CANNOT_SERVE, unavailable),
}
