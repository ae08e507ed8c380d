"""Password, mobile number, authenticator app and recovery codes of the signed-in user."""

from __future__ import annotations

from litestar import get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from app.account.common import AccountRequest, context_for
from app.account.service import (
    AccountError,
    change_password,
    confirm_app,
    confirm_phone_change,
    remove_app,
    renew_recovery_codes,
    start_phone_change,
)
from app.auth.password_policy import MIN_LENGTH
from app.auth.second_factor import new_totp_secret, provisioning_uri, qr_svg
from app.auth.sms import SmsFailed
from app.models import User
from app.web.forms import FormBody, raw


@get("/konto/passwort", include_in_schema=False)
async def password_page(request: AccountRequest) -> Template:
    return Template(
        "account/password.html",
        context={"error": None, "min_length": MIN_LENGTH, "forced": request.user.must_change_password},
    )


@post("/konto/passwort", include_in_schema=False, status_code=200)
async def password_submit(request: AccountRequest, data: FormBody) -> Template | Redirect:
    async with request.app.state.db.transaction() as session:
        ctx = await context_for(request, session)
        try:
            await change_password(
                session,
                ctx,
                raw(data, "current"),
                raw(data, "new"),
                raw(data, "repeat"),
                request.session.get("sid"),
            )
        except AccountError as exc:
            error: str | None = str(exc)
        else:
            error = None
    if error:
        return Template(
            "account/password.html",
            status_code=400,
            context={"error": error, "min_length": MIN_LENGTH, "forced": request.user.must_change_password},
        )
    # Sockets were opened under the old sessions; they reconnect, and only live sessions get back in.
    await request.app.state.publisher.disconnect_user(request.user.user_id)
    flash(request, "Ihr Passwort wurde geändert; andere Sitzungen wurden beendet.", category="success")
    return Redirect("/konto", status_code=303)


@get("/konto/telefon", include_in_schema=False)
async def phone_page(request: AccountRequest) -> Template:
    return Template("account/phone.html", context={"error": None, "step": "number"})


@post("/konto/telefon", include_in_schema=False, status_code=200)
async def phone_submit(request: AccountRequest, data: FormBody) -> Template:
    state = request.app.state
    try:
        async with state.db.transaction() as session:
            ctx = await context_for(request, session)
            try:
                challenge = await start_phone_change(session, ctx, raw(data, "phone"), raw(data, "password"), state.sms)
            except AccountError as exc:
                error: str | None = str(exc)
            else:
                error = None
    except SmsFailed as exc:
        error = f"{exc} Bitte versuchen Sie es später erneut."
    if error:
        return Template("account/phone.html", status_code=400, context={"error": error, "step": "number"})
    request.session["phone_challenge"] = challenge
    return Template("account/phone.html", context={"error": None, "step": "code"})


@post("/konto/telefon/code", include_in_schema=False, status_code=200)
async def phone_code_submit(request: AccountRequest, data: FormBody) -> Template | Redirect:
    state = request.app.state
    challenge = str(request.session.get("phone_challenge", ""))
    async with state.db.transaction() as session:
        ctx = await context_for(request, session)
        try:
            phone = await confirm_phone_change(session, ctx, challenge, raw(data, "code"), state.sms)
        except AccountError as exc:
            error: str | None = str(exc)
        except SmsFailed:
            error, phone = None, ctx.user.phone or ""  # the new number stands; only the notice to the old failed
        else:
            error = None
    if error:
        return Template("account/phone.html", status_code=400, context={"error": error, "step": "code"})
    request.session.pop("phone_challenge", None)
    flash(request, f"Ihre Mobilnummer ist jetzt {phone}.", category="success")
    return Redirect("/konto", status_code=303)


@get("/konto/app", include_in_schema=False)
async def app_page(request: AccountRequest) -> Template:
    async with request.app.state.db.read() as session:
        user = await session.get(User, request.user.user_id)
    enrolled = bool(user and user.totp_secret)
    secret = None if enrolled else request.session.setdefault("totp_pending", new_totp_secret())
    uri = provisioning_uri(secret, request.user.username) if secret else None
    return Template(
        "account/app.html",
        context={"enrolled": enrolled, "secret": secret, "qr": qr_svg(uri) if uri else None, "error": None},
    )


@post("/konto/app", include_in_schema=False, status_code=200)
async def app_confirm(request: AccountRequest, data: FormBody) -> Template:
    secret = request.session.get("totp_pending")
    if not isinstance(secret, str):
        return Template(
            "account/app.html",
            status_code=400,
            context={"enrolled": False, "secret": None, "qr": None, "error": "Bitte laden Sie die Seite neu."},
        )
    async with request.app.state.db.transaction() as session:
        ctx = await context_for(request, session)
        try:
            codes = await confirm_app(session, ctx, secret, raw(data, "code"), raw(data, "password"))
        except AccountError as exc:
            uri = provisioning_uri(secret, request.user.username)
            return Template(
                "account/app.html",
                status_code=400,
                context={"enrolled": False, "secret": secret, "qr": qr_svg(uri), "error": str(exc)},
            )
    request.session.pop("totp_pending", None)
    return Template("account/recovery_codes.html", context={"codes": codes, "new_app": True})


@post("/konto/app/entfernen", include_in_schema=False, status_code=200)
async def app_remove(request: AccountRequest, data: FormBody) -> Redirect:
    async with request.app.state.db.transaction() as session:
        ctx = await context_for(request, session)
        try:
            await remove_app(session, ctx, raw(data, "password"))
        except AccountError as exc:
            flash(request, str(exc), category="error")
        else:
            flash(request, "Die Authenticator-App ist entfernt; Codes kommen wieder per SMS.", category="success")
    return Redirect("/konto", status_code=303)


@post("/konto/wiederherstellung", include_in_schema=False, status_code=200)
async def recovery_renew(request: AccountRequest, data: FormBody) -> Template | Redirect:
    async with request.app.state.db.transaction() as session:
        ctx = await context_for(request, session)
        try:
            codes = await renew_recovery_codes(session, ctx, raw(data, "password"))
        except AccountError as exc:
            flash(request, str(exc), category="error")
            return Redirect("/konto", status_code=303)
    return Template("account/recovery_codes.html", context={"codes": codes, "new_app": False})


ROUTES = [
    password_page,
    password_submit,
    phone_page,
    phone_submit,
    phone_code_submit,
    app_page,
    app_confirm,
    app_remove,
    recovery_renew,
]
