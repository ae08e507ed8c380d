"""Administration of comparison groups: list, create and edit with a membership preview, (de)activate."""

from __future__ import annotations

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.common import ADMIN_ONLY, AdminRequest
from app.admin.groups_service import (
    KINDS,
    GroupForm,
    choices,
    create_group,
    groups_with_counts,
    load_group,
    preview,
    set_group_active,
    update_group,
)
from app.admin.network_routes import reconnect
from app.admin.network_service import as_id
from app.models import ComparisonGroup
from app.web.forms import FormBody, InvalidForm, client_of, text


@get("/admin/gruppen", guards=ADMIN_ONLY, include_in_schema=False)
async def group_list(request: AdminRequest) -> Template:
    async with request.app.state.db.read() as session:
        groups = await groups_with_counts(session)
    return Template("admin/network/groups.html", context={"groups": groups, "kinds": KINDS})


async def _group_or_404(session: AsyncSession, group_id: int) -> ComparisonGroup:
    group = await load_group(session, group_id)
    if group is None:
        raise NotFoundException("Diese Vergleichsgruppe gibt es nicht.")
    return group


async def _form_page(
    request: AdminRequest, form: GroupForm, group_id: int | None, errors: dict[str, str], status_code: int = 200
) -> Template:
    """The form with the preview of the members it selects, so that a page without JavaScript shows it too."""
    async with request.app.state.db.read() as session:
        group = await _group_or_404(session, group_id) if group_id else None
        shown = await preview(session, form)
        offered = await choices(session, form)
    return Template(
        "admin/network/group_form.html",
        status_code=status_code,
        context={"form": form, "group": group, "errors": errors, "preview": shown, "choices": offered, "kinds": KINDS},
    )


@get("/admin/gruppen/neu", guards=ADMIN_ONLY, include_in_schema=False)
async def new_group_page(request: AdminRequest) -> Template:
    return await _form_page(request, GroupForm(), None, {})


@post("/admin/gruppen/vorschau", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def group_preview(request: AdminRequest, data: FormBody) -> Template:
    """The members the form selects: the partial for HTMX, else the whole form with the preview filled in."""
    form = GroupForm.parse(data)
    if not request.headers.get("hx-request"):
        return await _form_page(request, form, as_id(text(data, "group_id", 12)), {})
    async with request.app.state.db.read() as session:
        shown = await preview(session, form)
    return Template("admin/network/_group_preview.html", context={"preview": shown})


@post("/admin/gruppen/neu", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def new_group_submit(request: AdminRequest, data: FormBody) -> Template | Redirect:
    form = GroupForm.parse(data)
    try:
        async with request.app.state.db.transaction() as session:
            group, moved = await create_group(session, request.user.user_id, form, client_of(request))
    except InvalidForm as exc:
        return await _form_page(request, form, None, exc.errors, 400)
    await reconnect(request, moved)
    flash(request, f"Vergleichsgruppe „{group.name}“ angelegt.", category="success")
    return Redirect(f"/admin/gruppen/{group.id}", status_code=303)


@get("/admin/gruppen/{group_id:int}", guards=ADMIN_ONLY, include_in_schema=False)
async def edit_group_page(request: AdminRequest, group_id: FromPath[int]) -> Template:
    async with request.app.state.db.read() as session:
        group = await _group_or_404(session, group_id)
    return await _form_page(request, GroupForm.of(group), group_id, {})


@post("/admin/gruppen/{group_id:int}", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def edit_group_submit(request: AdminRequest, group_id: FromPath[int], data: FormBody) -> Template | Redirect:
    form = GroupForm.parse(data)
    try:
        async with request.app.state.db.transaction() as session:
            group = await _group_or_404(session, group_id)
            moved = await update_group(session, request.user.user_id, group, form, client_of(request))
    except InvalidForm as exc:
        return await _form_page(request, form, group_id, exc.errors, 400)
    await reconnect(request, moved)
    flash(request, f"Vergleichsgruppe „{group.name}“ gespeichert.", category="success")
    return Redirect(f"/admin/gruppen/{group_id}", status_code=303)


async def _switch(request: AdminRequest, group_id: int, active: bool) -> Redirect:
    try:
        async with request.app.state.db.transaction() as session:
            group = await _group_or_404(session, group_id)
            moved = await set_group_active(session, request.user.user_id, group, active, client_of(request))
    except InvalidForm as exc:
        flash(request, str(exc), category="error")
    else:
        await reconnect(request, moved)
        flash(request, f"„{group.name}“ {'ist wieder aktiv' if active else 'ist deaktiviert'}.", category="success")
    return Redirect(f"/admin/gruppen/{group_id}", status_code=303)


@post("/admin/gruppen/{group_id:int}/deaktivieren", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def deactivate_group(request: AdminRequest, group_id: FromPath[int]) -> Redirect:
    return await _switch(request, group_id, False)


@post("/admin/gruppen/{group_id:int}/aktivieren", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def reactivate_group(request: AdminRequest, group_id: FromPath[int]) -> Redirect:
    return await _switch(request, group_id, True)


ROUTES = [
    group_list,
    new_group_page,
    group_preview,
    new_group_submit,
    edit_group_page,
    edit_group_submit,
    deactivate_group,
    reactivate_group,
]
