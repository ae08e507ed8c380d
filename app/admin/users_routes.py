"""Administration of users: list and search, create, edit, deactivate, reset, unlock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.account.service import own_tokens
from app.admin.common import ADMIN_ONLY, AdminRequest
from app.admin.users_service import (
    UserFilter,
    UserForm,
    all_classes,
    create_user,
    find_users,
    load_user,
    reset_password,
    reset_second_factor,
    revoke_token,
    set_active,
    territory_choices,
    unlock,
    update_user,
)
from app.models import User
from app.web.forms import FormBody, InvalidForm, client_of


@get("/admin/benutzer", guards=ADMIN_ONLY, include_in_schema=False)
async def user_list(
    request: AdminRequest,
    q: FromQuery[str] = "",
    art: FromQuery[str] = "",
    klasse: FromQuery[str] = "",
    status: FromQuery[str] = "",
) -> Template:
    async with request.app.state.db.read() as session:
        users = await find_users(session, UserFilter(q.strip()[:60], art, klasse, status))
        classes = await all_classes(session)
    template = "admin/users/_rows.html" if request.headers.get("hx-request") else "admin/users/list.html"
    return Template(
        template,
        context={
            "users": users,
            "classes": classes,
            "filter": {"q": q, "art": art, "klasse": klasse, "status": status},
        },
    )


async def _form_page(
    request: AdminRequest, form: UserForm, user: User | None, errors: dict[str, str], status_code: int = 200
) -> Template:
    async with request.app.state.db.read() as session:
        classes = await all_classes(session)
        territories = await territory_choices(session)
        tokens = await own_tokens(session, user.id) if user else []
    return Template(
        "admin/users/form.html",
        status_code=status_code,
        context={
            "form": form,
            "account": user,
            "errors": errors,
            "classes": classes,
            "territories": territories,
            "tokens": tokens,
        },
    )


@get("/admin/benutzer/neu", guards=ADMIN_ONLY, include_in_schema=False)
async def new_user_page(request: AdminRequest) -> Template:
    return await _form_page(request, UserForm(), None, {})


@post("/admin/benutzer/neu", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def new_user_submit(request: AdminRequest, data: FormBody) -> Template:
    form = UserForm.parse(data)
    try:
        async with request.app.state.db.transaction() as session:
            user, password = await create_user(session, request.user.user_id, form, client_of(request))
    except InvalidForm as exc:
        return await _form_page(request, form, None, exc.errors, 400)
    return Template("admin/users/password.html", context={"account": user, "password": password, "created": True})


async def _user_or_404(session: AsyncSession, user_id: int) -> User:
    user = await load_user(session, user_id)
    if user is None:
        raise NotFoundException("Diesen Benutzer gibt es nicht.")
    return user


@get("/admin/benutzer/{user_id:int}", guards=ADMIN_ONLY, include_in_schema=False)
async def edit_user_page(request: AdminRequest, user_id: FromPath[int]) -> Template:
    async with request.app.state.db.read() as session:
        user = await _user_or_404(session, user_id)
    return await _form_page(request, UserForm.of(user), user, {})


@post("/admin/benutzer/{user_id:int}", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def edit_user_submit(request: AdminRequest, user_id: FromPath[int], data: FormBody) -> Template | Redirect:
    form = UserForm.parse(data)
    try:
        async with request.app.state.db.transaction() as session:
            user = await _user_or_404(session, user_id)
            form.username = user.username
            rights_changed = await update_user(session, request.user.user_id, user, form, client_of(request))
    except InvalidForm as exc:
        async with request.app.state.db.read() as session:
            user = await _user_or_404(session, user_id)
        return await _form_page(request, form, user, exc.errors, 400)
    if rights_changed:
        # Sockets joined their rooms under the old rights (PITFALLS 4); they reconnect under the new ones.
        await request.app.state.publisher.disconnect_user(user_id)
    flash(request, f"Benutzer „{user.username}“ gespeichert.", category="success")
    return Redirect(f"/admin/benutzer/{user_id}", status_code=303)


Action = Callable[[AsyncSession, int, User, str | None], Awaitable[Any]]


async def _act(request: AdminRequest, user_id: int, act: Action, done: str, disconnect: bool) -> Any:
    try:
        async with request.app.state.db.transaction() as session:
            user = await _user_or_404(session, user_id)
            result = await act(session, request.user.user_id, user, client_of(request))
    except InvalidForm as exc:
        flash(request, str(exc), category="error")
        return Redirect(f"/admin/benutzer/{user_id}", status_code=303)
    if disconnect:
        await request.app.state.publisher.disconnect_user(user_id)
    if isinstance(result, str):
        return Template("admin/users/password.html", context={"account": user, "password": result, "created": False})
    flash(request, done.format(user=user.username), category="success")
    return Redirect(f"/admin/benutzer/{user_id}", status_code=303)


async def _deactivate(session: AsyncSession, actor: int, user: User, client: str | None) -> None:
    await set_active(session, actor, user, False, client)


async def _activate(session: AsyncSession, actor: int, user: User, client: str | None) -> None:
    await set_active(session, actor, user, True, client)


@post("/admin/benutzer/{user_id:int}/deaktivieren", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def deactivate_user(request: AdminRequest, user_id: FromPath[int]) -> Any:
    return await _act(request, user_id, _deactivate, "„{user}“ ist deaktiviert; Sitzungen sind beendet.", True)


@post("/admin/benutzer/{user_id:int}/aktivieren", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def activate_user(request: AdminRequest, user_id: FromPath[int]) -> Any:
    return await _act(request, user_id, _activate, "„{user}“ ist wieder aktiv.", False)


@post("/admin/benutzer/{user_id:int}/passwort", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def reset_user_password(request: AdminRequest, user_id: FromPath[int]) -> Any:
    return await _act(request, user_id, reset_password, "", True)


@post("/admin/benutzer/{user_id:int}/zweiter-faktor", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def reset_user_second_factor(request: AdminRequest, user_id: FromPath[int]) -> Any:
    return await _act(
        request,
        user_id,
        reset_second_factor,
        "Zweiter Faktor von „{user}“ zurückgesetzt: Anmeldung wieder per SMS.",
        True,
    )


@post("/admin/benutzer/{user_id:int}/entsperren", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def unlock_user(request: AdminRequest, user_id: FromPath[int]) -> Any:
    return await _act(request, user_id, unlock, "„{user}“ ist entsperrt.", False)


@post(
    "/admin/benutzer/{user_id:int}/token/{token_id:int}/widerrufen",
    guards=ADMIN_ONLY,
    include_in_schema=False,
    status_code=200,
)
async def revoke_user_token(request: AdminRequest, user_id: FromPath[int], token_id: FromPath[int]) -> Redirect:
    async with request.app.state.db.transaction() as session:
        user = await _user_or_404(session, user_id)
        if not await revoke_token(session, request.user.user_id, user, token_id, client_of(request)):
            raise NotFoundException("Dieses Token gibt es nicht (mehr).")
    flash(request, "Token widerrufen.", category="success")
    return Redirect(f"/admin/benutzer/{user_id}", status_code=303)


ROUTES = [
    revoke_user_token,
    user_list,
    new_user_page,
    new_user_submit,
    edit_user_page,
    edit_user_submit,
    deactivate_user,
    activate_user,
    reset_user_password,
    reset_user_second_factor,
    unlock_user,
]
