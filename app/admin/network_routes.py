"""Administration of the territory tree (network -> region -> territory), and what the network pages share."""

from __future__ import annotations

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.common import ADMIN_ONLY, AdminRequest
from app.admin.network_service import (
    LEVEL_NAMES,
    TerritoryForm,
    create_territory,
    parent_choices,
    rename_territory,
    set_territory_active,
    territory_tree,
)
from app.models import Territory
from app.web.forms import FormBody, InvalidForm, client_of, text


async def reconnect(request: AdminRequest, user_ids: list[int]) -> None:
    """After commit: sockets joined their group rooms under the old membership (PITFALLS 4) and rejoin now."""
    for user_id in user_ids:
        await request.app.state.publisher.disconnect_user(user_id)


async def _tree_page(
    request: AdminRequest, form: TerritoryForm, errors: dict[str, str], status_code: int = 200
) -> Template:
    async with request.app.state.db.read() as session:
        tree = await territory_tree(session)
        parents = await parent_choices(session)
    return Template(
        "admin/network/territories.html",
        status_code=status_code,
        context={"tree": tree, "parents": parents, "levels": LEVEL_NAMES, "form": form, "errors": errors},
    )


@get("/admin/gebiete", guards=ADMIN_ONLY, include_in_schema=False)
async def territory_list(request: AdminRequest, parent: FromQuery[str] = "") -> Template:
    return await _tree_page(request, TerritoryForm(parent_id=parent), {})


@post("/admin/gebiete/neu", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def new_territory_submit(request: AdminRequest, data: FormBody) -> Template | Redirect:
    form = TerritoryForm.parse(data)
    try:
        async with request.app.state.db.transaction() as session:
            territory = await create_territory(session, request.user.user_id, form, client_of(request))
    except InvalidForm as exc:
        return await _tree_page(request, form, exc.errors, 400)
    flash(
        request, f"{LEVEL_NAMES[territory.level]} „{territory.name}“ ({territory.code}) angelegt.", category="success"
    )
    return Redirect("/admin/gebiete", status_code=303)


async def _territory_or_404(session: AsyncSession, territory_id: int) -> Territory:
    territory = await session.get(Territory, territory_id)
    if territory is None:
        raise NotFoundException("Dieses Gebiet gibt es nicht.")
    return territory


async def _node_page(
    request: AdminRequest, territory_id: int, name: str | None, errors: dict[str, str], status_code: int = 200
) -> Template:
    async with request.app.state.db.read() as session:
        territory = await _territory_or_404(session, territory_id)
        parent = await session.get(Territory, territory.parent_id) if territory.parent_id else None
    return Template(
        "admin/network/territory.html",
        status_code=status_code,
        context={
            "territory": territory,
            "parent": parent,
            "levels": LEVEL_NAMES,
            "name": territory.name if name is None else name,
            "errors": errors,
        },
    )


@get("/admin/gebiete/{territory_id:int}", guards=ADMIN_ONLY, include_in_schema=False)
async def territory_page(request: AdminRequest, territory_id: FromPath[int]) -> Template:
    return await _node_page(request, territory_id, None, {})


@post("/admin/gebiete/{territory_id:int}", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def territory_rename(request: AdminRequest, territory_id: FromPath[int], data: FormBody) -> Template | Redirect:
    name = text(data, "name", 120)
    try:
        async with request.app.state.db.transaction() as session:
            territory = await _territory_or_404(session, territory_id)
            renamed = await rename_territory(session, request.user.user_id, territory, name, client_of(request))
    except InvalidForm as exc:
        return await _node_page(request, territory_id, name, exc.errors, 400)
    flash(request, f"Umbenannt in „{name}“." if renamed else "Keine Änderung.", category="success")
    return Redirect(f"/admin/gebiete/{territory_id}", status_code=303)


async def _switch(request: AdminRequest, territory_id: int, active: bool) -> Redirect:
    try:
        async with request.app.state.db.transaction() as session:
            territory = await _territory_or_404(session, territory_id)
            await set_territory_active(session, request.user.user_id, territory, active, client_of(request))
    except InvalidForm as exc:
        flash(request, str(exc), category="error")
    else:
        done = "ist wieder aktiv" if active else "ist deaktiviert"
        flash(request, f"„{territory.name}“ {done}.", category="success")
    return Redirect(f"/admin/gebiete/{territory_id}", status_code=303)


@post("/admin/gebiete/{territory_id:int}/deaktivieren", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def territory_deactivate(request: AdminRequest, territory_id: FromPath[int]) -> Redirect:
    return await _switch(request, territory_id, False)


@post("/admin/gebiete/{territory_id:int}/aktivieren", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def territory_reactivate(request: AdminRequest, territory_id: FromPath[int]) -> Redirect:
    return await _switch(request, territory_id, True)


ROUTES = [
    territory_list,
    new_territory_submit,
    territory_page,
    territory_rename,
    territory_deactivate,
    territory_reactivate,
]
