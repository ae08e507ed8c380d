"""Sign-in (password, then code) and sign-out pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Template

from app.audit import record
from app.auth.csrf import SESSION_KEY, bound_token
from app.auth.demo_hint import demo_hint
from app.auth.password_policy import MAX_LENGTH
from app.auth.service import (
    CodeStep,
    Credentials,
    SignInError,
    check_password,
    code_step,
    resend_code,
    start_code_step,
    verify_code,
)
from app.auth.sessions import rotate_session
from app.auth.sms import SmsFailed
from app.auth.user_sessions import end_sessions, live_session, open_session, pending_session, signed_in_session
from app.db import Database
from app.web.forms import FormBody, client_of, raw

AnyRequest = Request[Any, Any, State]
CODE_OVER = "Der Code wurde zu oft falsch eingegeben oder ist abgelaufen. Bitte melden Sie sich erneut an."
WRONG = "Benutzername oder Passwort ist falsch, oder das Konto ist vorübergehend gesperrt."


async def _login_page(
    request: AnyRequest, error: str | None = None, username: str = "", status_code: int = 200
) -> Template:
    async with request.app.state.db.read() as session:
        hint = await demo_hint(session)
    return Template(
        "auth/login.html", status_code=status_code, context={"error": error, "username": username, "demo": hint}
    )


def _code_page(step: CodeStep, error: str | None = None, notice: str | None = None, status_code: int = 200) -> Template:
    return Template("auth/code.html", status_code=status_code, context={"step": step, "error": error, "notice": notice})


@get("/login", name="login", include_in_schema=False)
async def login_page(request: AnyRequest) -> Template | Redirect:
    if await live_session(request.app.state.db, request.session, request.app.state.settings):
        return Redirect("/")
    return await _login_page(request)


@post("/login", include_in_schema=False, status_code=200)
async def login_submit(request: AnyRequest, data: FormBody) -> Template | Redirect:
    password = raw(data, "password")
    # Longer than any password may be: it cannot match (cut to 200, a right one plus junk would).
    credentials = Credentials(raw(data, "username").strip()[:60], password if len(password) <= MAX_LENGTH else "")
    db: Database = request.app.state.db
    state = request.app.state
    try:
        async with db.transaction() as session:
            try:
                user = await check_password(session, credentials, state.settings, client_of(request))
                step = await start_code_step(session, user, state.sms, state.settings, client_of(request))
            except SignInError as exc:
                error = str(exc) or WRONG
                step = None
    except SmsFailed as exc:
        async with db.transaction() as session:
            record(
                session,
                None,
                "code.sms_failed",
                object_type="user",
                object_id=credentials.username,
                client=client_of(request),
                error=str(exc),
            )
        return await _login_page(
            request,
            f"{exc} Der Anmeldecode konnte nicht gesendet werden; bitte versuchen Sie es in einigen Minuten erneut.",
            credentials.username,
            503,
        )
    if step is None:
        return await _login_page(request, error, credentials.username, 400)
    request.set_session(pending_session(step.challenge_id))
    return Redirect("/login/code", status_code=303)


async def _pending_step(request: AnyRequest) -> CodeStep | None:
    pending = request.session.get("pending")
    if not isinstance(pending, str):
        return None
    async with request.app.state.db.read() as session:
        return await code_step(session, pending, request.app.state.settings)


@get("/login/code", include_in_schema=False)
async def code_page(request: AnyRequest) -> Template | Redirect:
    step = await _pending_step(request)
    return _code_page(step) if step else Redirect("/login")


@post("/login/code", include_in_schema=False, status_code=200)
async def code_submit(request: AnyRequest, data: FormBody) -> Template | Redirect:
    step = await _pending_step(request)
    if step is None:
        return Redirect("/login", status_code=303)
    state = request.app.state
    async with state.db.transaction() as session:
        try:
            user, factor = await verify_code(
                session, step.challenge_id, raw(data, "code")[:40], state.settings, client_of(request)
            )
        except SignInError as exc:
            error = str(exc)
        else:
            handle = await open_session(
                session, user.id, factor, client_of(request), request.headers.get("user-agent", "")
            )
            rotate_session(request.scope)
            token, cookie = bound_token(state.settings)
            request.set_session({**signed_in_session(user.id, handle), SESSION_KEY: token})
            landing = "/konto/passwort" if user.must_change_password else "/"
            return Redirect(landing, status_code=303, cookies=[cookie])
    if await _pending_step(request) is None:
        request.clear_session()
        return await _login_page(request, CODE_OVER, status_code=400)
    return _code_page(step, error, status_code=400)


@post("/login/code/sms", include_in_schema=False, status_code=200)
async def code_resend(request: AnyRequest) -> Template | Redirect:
    step = await _pending_step(request)
    if step is None:
        return Redirect("/login", status_code=303)
    state = request.app.state
    try:
        async with state.db.transaction() as session:
            await resend_code(session, step.challenge_id, state.sms, state.settings, client_of(request))
    except SignInError as exc:
        return _code_page(step, str(exc), status_code=429)
    except SmsFailed as exc:
        return _code_page(step, f"{exc} Bitte versuchen Sie es später erneut.", status_code=503)
    fresh = await _pending_step(request) or step
    return _code_page(fresh, notice=f"Ein neuer Code wurde an {step.masked_phone} gesendet.")


@post("/logout", include_in_schema=False, status_code=200)
async def logout(request: AnyRequest) -> Redirect:
    uid, handle = request.session.get("uid"), request.session.get("sid")
    request.clear_session()
    if isinstance(uid, int) and isinstance(handle, str):
        async with request.app.state.db.transaction() as session:
            await end_sessions(session, uid, "signed_out", handle=handle)
            record(session, uid, "logout", client=client_of(request))
        await request.app.state.publisher.disconnect_user(uid)
    return Redirect("/login", status_code=303)


ROUTES = [login_page, login_submit, code_page, code_submit, code_resend, logout]
