"""`/admin/partner/{id}/stammdaten`: the administration keeps a partner's contract, addresses, contacts
and responsible staff (the same checks as PATCH /api/v1/partners/{nr})."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.common import ADMIN_ONLY, AdminRequest
from app.models import Partner, User
from app.relations.master_data import (
    ADDRESS_KINDS,
    CONTRACT_TYPES,
    STAFF_ROLES,
    Address,
    Contact,
    MasterChange,
    MasterData,
    Staff,
    read_master,
    update_master,
)
from app.web.forms import FormBody, InvalidForm, client_of, raw, text
from app.web.numbers import parse_de

EMPTY_CONTACT_ROWS = 2


async def _partner(session: AsyncSession, partner_id: int) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundException("Diesen Partner gibt es nicht.")
    return partner


async def _page(
    request: AdminRequest, partner_id: int, master: MasterData | None, errors: dict[str, str], status_code: int = 200
) -> Template:
    async with request.app.state.db.read() as session:
        partner = await _partner(session, partner_id)
        master = master or await read_master(session, partner)
        staff = list(
            await session.scalars(
                select(User).where(User.partner_id.is_(None), User.active).order_by(User.display_name)
            )
        )
    return Template(
        "relations/master_form.html",
        status_code=status_code,
        context={
            "partner": partner,
            "master": master,
            "errors": errors,
            "address_kinds": ADDRESS_KINDS,
            "contract_types": CONTRACT_TYPES,
            "staff_roles": STAFF_ROLES,
            "zentrale_users": staff,
            "contact_rows": [*master.contacts, *[Contact("")] * EMPTY_CONTACT_ROWS],
            "addresses": {a.kind: a for a in master.addresses},
            "assigned": {s.role: s.username for s in master.staff},
        },
    )


@get("/admin/partner/{partner_id:int}/stammdaten", guards=ADMIN_ONLY, include_in_schema=False)
async def master_form(request: AdminRequest, partner_id: FromPath[int]) -> Template:
    return await _page(request, partner_id, None, {})


def _change(form: dict[str, Any]) -> MasterChange:
    """The form as a change of every part; an address or contact row left empty is dropped."""
    errors: dict[str, str] = {}
    addresses = []
    for kind in ADDRESS_KINDS:
        street, code, city = (text(form, f"{kind}_{f}", 200) for f in ("street", "postal_code", "city"))
        if street or code or city:
            addresses.append(Address(kind, street, code, city, text(form, f"{kind}_country", 2) or "DE"))
    contacts = []
    for i in range(int(raw(form, "contact_rows") or 0)):
        fields = {f: text(form, f"c{i}_{f}", 200) for f in ("name", "role", "phone", "email")}
        if any(fields.values()):
            contacts.append(Contact(**fields, consent=raw(form, f"c{i}_consent") == "1"))
    staff = [Staff(role, username) for role in STAFF_ROLES if (username := raw(form, f"staff_{role}"))]
    contract: dict[str, Any] = {
        "type": raw(form, "contract_type"),
        "since": raw(form, "contract_since") or None,
        "brands": [b.strip() for b in text(form, "brands", 400).split(",") if b.strip()],
        "service_authorised": raw(form, "service_authorised") == "1",
    }
    for name in ("credit_limit", "coop_budget"):
        value = text(form, name, 30)
        try:
            contract[name] = parse_de(value) if value else None
        except ValueError as exc:
            errors[f"contract.{name}"] = str(exc)
    if errors:
        raise InvalidForm(errors)
    return MasterChange(addresses, contacts, contract, staff)


@post("/admin/partner/{partner_id:int}/stammdaten", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def master_save(request: AdminRequest, partner_id: FromPath[int], data: FormBody) -> Template | Redirect:
    try:
        change = _change(data)
        async with request.app.state.db.transaction() as session:
            partner = await _partner(session, partner_id)
            changed = await update_master(session, request.user.user_id, partner, change, client_of(request))
    except InvalidForm as exc:
        return await _page(request, partner_id, None, exc.errors, 400)
    flash(request, "Stammdaten gespeichert." if changed else "Keine Änderung.", category="success")
    return Redirect(f"/admin/partner/{partner_id}/stammdaten", status_code=303)


ROUTES = [master_form, master_save]
