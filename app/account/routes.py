"""The account overview, own sessions and own access tokens."""

from __future__ import annotations

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import select

from app.account.common import AccountRequest, context_for
from app.account.reach import reach_of
from app.account.service import own_tokens
from app.auth.second_factor import recovery_codes_left
from app.auth.service import audit
from app.auth.tokens import create_token
from app.auth.user_sessions import end_sessions, open_sessions
from app.models import AccessToken, User, utcnow
from app.web.forms import FormBody, InvalidForm, text


@get("/konto", name="account", include_in_schema=False)
async def overview(request: AccountRequest) -> Template:
    db, settings = request.app.state.db, request.app.state.settings
    async with db.read() as session:
        user = await session.get(User, request.user.user_id)
        sessions = await open_sessions(session, request.user.user_id, settings)
        tokens = await own_tokens(session, request.user.user_id)
        codes_left = await recovery_codes_left(session, request.user.user_id)
        reach = await reach_of(session, request.user)
    return Template(
        "account/overview.html",
        context={
            "account": user,
            "sessions": sessions,
            "tokens": tokens,
            "codes_left": codes_left,
            "reach": reach,
            "current_handle": request.session.get("sid"),
        },
    )


@post("/konto/sitzungen/{session_id:int}/beenden", include_in_schema=False, status_code=200)
async def end_one_session(request: AccountRequest, session_id: FromPath[int]) -> Redirect:
    async with request.app.state.db.transaction() as session:
        # Scoped to the signed-in user: another user's session id simply matches nothing.
        ended = await end_sessions(session, request.user.user_id, "ended_by_user", session_id=session_id)
        if ended:
            audit(session, "session.ended", await session.get(User, request.user.user_id), None, id=session_id)
    if not ended:
        raise NotFoundException("Diese Sitzung gibt es nicht (mehr).")
    await request.app.state.publisher.disconnect_user(request.user.user_id)  # they rejoin if still signed in
    flash(request, "Die Sitzung wurde beendet.", category="success")
    return Redirect("/konto", status_code=303)


@post("/konto/sitzungen/andere-beenden", include_in_schema=False, status_code=200)
async def end_other_sessions(request: AccountRequest) -> Redirect:
    async with request.app.state.db.transaction() as session:
        ended = await end_sessions(
            session, request.user.user_id, "ended_by_user", keep_handle=str(request.session.get("sid", ""))
        )
    await request.app.state.publisher.disconnect_user(request.user.user_id)  # they rejoin if still signed in
    flash(request, f"{ended} andere Sitzung(en) beendet.", category="success")
    return Redirect("/konto", status_code=303)


@post("/konto/token", include_in_schema=False, status_code=200)
async def create_own_token(request: AccountRequest, data: FormBody) -> Template | Redirect:
    try:
        name = text(data, "name", 120)
    except InvalidForm as exc:
        flash(request, str(exc), category="error")
        return Redirect("/konto", status_code=303)
    if not name:
        flash(request, "Bitte geben Sie dem Token einen Namen, z. B. „Warenwirtschaft“.", category="error")
        return Redirect("/konto", status_code=303)
    async with request.app.state.db.transaction() as session:
        ctx = await context_for(request, session)
        token = await create_token(session, ctx.user, name)
        audit(session, "token.created", ctx.user, ctx.client, name=name, prefix=token[:10])
    return Template("account/token_created.html", context={"token": token, "name": name})


@post("/konto/token/{token_id:int}/widerrufen", include_in_schema=False, status_code=200)
async def revoke_own_token(request: AccountRequest, token_id: FromPath[int]) -> Redirect:
    async with request.app.state.db.transaction() as session:
        token = await session.scalar(
            select(AccessToken).where(
                AccessToken.id == token_id,
                AccessToken.user_id == request.user.user_id,
                AccessToken.revoked_at.is_(None),
            )
        )
        if token is None:
            raise NotFoundException("Dieses Token gibt es nicht (mehr).")
        token.revoked_at = utcnow()
        ctx = await context_for(request, session)
        audit(session, "token.revoked", ctx.user, ctx.client, prefix=token.prefix)
    flash(request, f"Token „{token.name}“ widerrufen.", category="success")
    return Redirect("/konto", status_code=303)


ROUTES = [overview, end_one_session, end_other_sessions, create_own_token, revoke_own_token]
