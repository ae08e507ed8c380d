"""Administration of partners: list and search, create, edit, deactivate and reactivate."""

from __future__ import annotations

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.common import ADMIN_ONLY, AdminRequest
from app.admin.network_routes import reconnect
from app.admin.network_service import as_id, leaf_choices, territory_tree
from app.admin.partners_service import (
    SIZE_CLASSES,
    PartnerFilter,
    PartnerForm,
    create_partner,
    find_partners,
    partner_types,
    set_partner_active,
    update_partner,
)
from app.models import Partner
from app.web.forms import FormBody, InvalidForm, client_of


@get("/admin/partner", guards=ADMIN_ONLY, include_in_schema=False)
async def partner_list(
    request: AdminRequest, q: FromQuery[str] = "", gebiet: FromQuery[str] = "", status: FromQuery[str] = ""
) -> Template:
    async with request.app.state.db.read() as session:
        rows = await find_partners(session, PartnerFilter(q.strip()[:60], as_id(gebiet), status))
        tree = await territory_tree(session)
    template = (
        "admin/network/_partner_rows.html" if request.headers.get("hx-request") else "admin/network/partners.html"
    )
    return Template(
        template, context={"rows": rows, "tree": tree, "filter": {"q": q, "gebiet": gebiet, "status": status}}
    )


async def _form_page(
    request: AdminRequest, form: PartnerForm, partner: Partner | None, errors: dict[str, str], status_code: int = 200
) -> Template:
    async with request.app.state.db.read() as session:
        territories = await leaf_choices(session, keep=partner.territory_id if partner else None)
        types = await partner_types(session)
    return Template(
        "admin/network/partner_form.html",
        status_code=status_code,
        context={
            "form": form,
            "partner": partner,
            "errors": errors,
            "territories": territories,
            "partner_types": types,
            "size_classes": SIZE_CLASSES,
        },
    )


@get("/admin/partner/neu", guards=ADMIN_ONLY, include_in_schema=False)
async def new_partner_page(request: AdminRequest) -> Template:
    return await _form_page(request, PartnerForm(), None, {})


@post("/admin/partner/neu", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def new_partner_submit(request: AdminRequest, data: FormBody) -> Template | Redirect:
    form = PartnerForm.parse(data)
    try:
        async with request.app.state.db.transaction() as session:
            partner = await create_partner(session, request.user.user_id, form, client_of(request))
    except InvalidForm as exc:
        return await _form_page(request, form, None, exc.errors, 400)
    flash(request, f"Partner {partner.number} „{partner.name}“ angelegt.", category="success")
    return Redirect(f"/admin/partner/{partner.id}", status_code=303)


async def _partner_or_404(session: AsyncSession, partner_id: int) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundException("Diesen Partner gibt es nicht.")
    return partner


@get("/admin/partner/{partner_id:int}", guards=ADMIN_ONLY, include_in_schema=False)
async def edit_partner_page(request: AdminRequest, partner_id: FromPath[int]) -> Template:
    async with request.app.state.db.read() as session:
        partner = await _partner_or_404(session, partner_id)
    return await _form_page(request, PartnerForm.of(partner), partner, {})


@post("/admin/partner/{partner_id:int}", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def edit_partner_submit(request: AdminRequest, partner_id: FromPath[int], data: FormBody) -> Template | Redirect:
    form = PartnerForm.parse(data)
    try:
        async with request.app.state.db.transaction() as session:
            partner = await _partner_or_404(session, partner_id)
            moved = await update_partner(session, request.user.user_id, partner, form, client_of(request))
    except InvalidForm as exc:
        async with request.app.state.db.read() as session:
            partner = await _partner_or_404(session, partner_id)
        return await _form_page(request, form, partner, exc.errors, 400)
    await reconnect(request, moved)
    flash(request, f"Partner {partner.number} „{partner.name}“ gespeichert.", category="success")
    return Redirect(f"/admin/partner/{partner_id}", status_code=303)


async def _switch(request: AdminRequest, partner_id: int, active: bool) -> Redirect:
    try:
        async with request.app.state.db.transaction() as session:
            partner = await _partner_or_404(session, partner_id)
            moved = await set_partner_active(session, request.user.user_id, partner, active, client_of(request))
    except InvalidForm as exc:
        flash(request, str(exc), category="error")
    else:
        await reconnect(request, moved)
        done = "ist wieder aktiv" if active else "ist deaktiviert und zählt in keiner Vergleichsgruppe mehr"
        flash(request, f"Partner {partner.number} {done}.", category="success")
    return Redirect(f"/admin/partner/{partner_id}", status_code=303)


@post("/admin/partner/{partner_id:int}/deaktivieren", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def deactivate_partner(request: AdminRequest, partner_id: FromPath[int]) -> Redirect:
    return await _switch(request, partner_id, False)


@post("/admin/partner/{partner_id:int}/aktivieren", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def reactivate_partner(request: AdminRequest, partner_id: FromPath[int]) -> Redirect:
    return await _switch(request, partner_id, True)


ROUTES = [
    partner_list,
    new_partner_page,
    new_partner_submit,
    edit_partner_page,
    edit_partner_submit,
    deactivate_partner,
    reactivate_partner,
]
