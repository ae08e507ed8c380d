"""Administration of permission classes (Berechtigungsklassen) and their grants."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.classes_service import (
    ACTION_LABELS,
    DOMAIN_LABELS,
    add_grant,
    classes_with_counts,
    create_class,
    holders,
    load_class,
    remove_grant,
    rename_class,
    scope_choices,
)
from app.admin.common import ADMIN_ONLY, AdminRequest
from app.models import PermissionClass
from app.web.forms import FormBody, InvalidForm, client_of, raw, text


@get("/admin/berechtigungen", guards=ADMIN_ONLY, include_in_schema=False)
async def class_list(request: AdminRequest) -> Template:
    async with request.app.state.db.read() as session:
        classes = await classes_with_counts(session)
        scopes = await scope_choices(session)
    return Template(
        "admin/classes/list.html",
        context={
            "classes": classes,
            "actions": ACTION_LABELS,
            "domains": DOMAIN_LABELS,
            "scopes": scopes,
            "errors": {},
            "form": {},
        },
    )


@post("/admin/berechtigungen", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def class_create(request: AdminRequest, data: FormBody) -> Template | Redirect:
    form = {name: raw(data, name).strip() for name in ("key", "name", "description")}  # shown again on errors
    try:
        async with request.app.state.db.transaction() as session:
            made = await create_class(
                session,
                request.user.user_id,
                text(data, "key", 40),
                text(data, "name", 120),
                text(data, "description", 400),
                text(data, "for_partner_users") == "1",
                client_of(request),
            )
    except InvalidForm as exc:
        async with request.app.state.db.read() as session:
            classes, scopes = await classes_with_counts(session), await scope_choices(session)
        return Template(
            "admin/classes/list.html",
            status_code=400,
            context={
                "classes": classes,
                "actions": ACTION_LABELS,
                "domains": DOMAIN_LABELS,
                "scopes": scopes,
                "errors": exc.errors,
                "form": form,
            },
        )
    flash(request, f"Klasse „{made.name}“ angelegt; sie hat noch keine Rechte.", category="success")
    return Redirect(f"/admin/berechtigungen/{made.id}", status_code=303)


async def _class_or_404(session: AsyncSession, class_id: int) -> PermissionClass:
    found = await load_class(session, class_id)
    if found is None:
        raise NotFoundException("Diese Berechtigungsklasse gibt es nicht.")
    return found


@get("/admin/berechtigungen/{class_id:int}", guards=ADMIN_ONLY, include_in_schema=False)
async def class_page(request: AdminRequest, class_id: FromPath[int]) -> Template:
    async with request.app.state.db.read() as session:
        found = await _class_or_404(session, class_id)
        scopes = await scope_choices(session)
        members = len(await holders(session, class_id))
    return Template(
        "admin/classes/edit.html",
        context={
            "permission_class": found,
            "members": members,
            "actions": ACTION_LABELS,
            "domains": DOMAIN_LABELS,
            "scopes": scopes,
        },
    )


async def _change(request: AdminRequest, class_id: int, change: Any, done: str) -> Redirect:
    """Run a change; users holding the class get their sockets closed so they rejoin under the new rights."""
    try:
        async with request.app.state.db.transaction() as session:
            found = await _class_or_404(session, class_id)
            await change(session, found)
            affected = await holders(session, class_id)
    except InvalidForm as exc:
        flash(request, str(exc), category="error")
        return Redirect(f"/admin/berechtigungen/{class_id}", status_code=303)
    for user_id in affected:
        await request.app.state.publisher.disconnect_user(user_id)
    flash(request, done, category="success")
    return Redirect(f"/admin/berechtigungen/{class_id}", status_code=303)


@post("/admin/berechtigungen/{class_id:int}", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def class_rename(request: AdminRequest, class_id: FromPath[int], data: FormBody) -> Redirect:
    async def change(session: AsyncSession, found: PermissionClass) -> None:
        await rename_class(
            session,
            request.user.user_id,
            found,
            text(data, "name", 120),
            text(data, "description", 400),
            client_of(request),
        )

    return await _change(request, class_id, change, "Gespeichert.")


@post("/admin/berechtigungen/{class_id:int}/rechte", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def grant_add(request: AdminRequest, class_id: FromPath[int], data: FormBody) -> Redirect:
    async def change(session: AsyncSession, found: PermissionClass) -> None:
        await add_grant(
            session,
            request.user.user_id,
            found,
            text(data, "action"),
            text(data, "domain"),
            text(data, "scope"),
            client_of(request),
        )

    return await _change(request, class_id, change, "Recht hinzugefügt.")


@post(
    "/admin/berechtigungen/{class_id:int}/rechte/{grant_id:int}/entfernen",
    guards=ADMIN_ONLY,
    include_in_schema=False,
    status_code=200,
)
async def grant_remove(request: AdminRequest, class_id: FromPath[int], grant_id: FromPath[int]) -> Redirect:
    async def change(session: AsyncSession, found: PermissionClass) -> None:
        await remove_grant(session, request.user.user_id, found, grant_id, client_of(request))

    return await _change(request, class_id, change, "Recht entfernt.")


ROUTES = [class_list, class_create, class_page, class_rename, grant_add, grant_remove]
