"""`/api/v1/partners/{nr}`: a partner's master data (read: whoever may see the partner; change: administration)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Request, get, patch
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from app.admin.common import ADMIN_ONLY
from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.figures.access import partner_for
from app.models import Partner, Territory
from app.relations.master_data import Address, Contact, MasterChange, Staff, read_master, update_master
from app.web.api_input import refused
from app.web.forms import InvalidForm, client_of

MasterRequest = Request[Principal, Any, State]
UNSET = msgspec.UNSET


class AddressIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    street: str
    postal_code: str
    city: str
    country: str = "DE"


class ContactIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""
    consent: bool = False


class ContractIn(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    type: str | msgspec.UnsetType = UNSET
    since: str | msgspec.UnsetType | None = UNSET
    brands: list[str] | msgspec.UnsetType = UNSET
    service_authorised: bool | msgspec.UnsetType = UNSET
    credit_limit: float | msgspec.UnsetType | None = UNSET
    coop_budget: float | msgspec.UnsetType | None = UNSET


class StaffIn(msgspec.Struct, forbid_unknown_fields=True):
    role: str
    username: str


class PartnerChange(msgspec.Struct, forbid_unknown_fields=True):
    """Each part given replaces the partner's (addresses, contacts, staff as whole lists; contract field by field)."""

    addresses: list[AddressIn] | msgspec.UnsetType = UNSET
    contacts: list[ContactIn] | msgspec.UnsetType = UNSET
    contract: ContractIn | msgspec.UnsetType = UNSET
    staff: list[StaffIn] | msgspec.UnsetType = UNSET


async def _document(request: MasterRequest, partner: Partner) -> dict[str, Any]:
    async with request.app.state.db.read() as session:
        master = await read_master(session, partner)
        territory = await session.scalar(select(Territory.code).where(Territory.id == partner.territory_id))
        ref = (await partner_refs(session, [partner]))[partner.id]
    contract = asdict(master.contract)
    # Credit limits are the receivables staff's business, co-op budgets marketing's.
    for name, domain in (("credit_limit", "receivables"), ("coop_budget", "marketing")):
        if not request.user.can(Action.VIEW, ref, domain):
            contract.pop(name)
    return {
        "number": partner.number,
        "name": partner.name,
        "territory": territory,
        "town": partner.city,
        "postal_code": partner.postal_code,
        "size_class": partner.size_class,
        "partner_type": partner.partner_type,
        "active": partner.active,
        "addresses": [asdict(a) for a in master.addresses],
        "contacts": [asdict(c) for c in master.contacts],
        "contract": contract,
        "staff": [asdict(s) for s in master.staff],
    }


@get("/api/v1/partners/{partner_no:int}", tags=["Stammdaten"])
async def show_partner(request: MasterRequest, partner_no: FromPath[int]) -> dict[str, Any]:
    """Master data with addresses, contacts, the dealer contract and the supplier's staff."""
    async with request.app.state.db.read() as session:
        partner = await partner_for(session, request.user, partner_no, Action.VIEW)
    return await _document(request, partner)


@patch("/api/v1/partners/{partner_no:int}", guards=ADMIN_ONLY, tags=["Stammdaten"])
async def change_partner(
    request: MasterRequest, partner_no: FromPath[int], data: JSONBody[PartnerChange]
) -> dict[str, Any]:
    """Change master data (administration only); 422 names each refused field, nothing is stored then."""
    change = MasterChange(
        addresses=None if data.addresses is UNSET else [Address(**msgspec.structs.asdict(a)) for a in data.addresses],
        contacts=None if data.contacts is UNSET else [Contact(**msgspec.structs.asdict(c)) for c in data.contacts],
        contract=None
        if data.contract is UNSET
        else {k: v for k, v in msgspec.structs.asdict(data.contract).items() if v is not UNSET},
        staff=None if data.staff is UNSET else [Staff(s.role, s.username) for s in data.staff],
    )
    try:
        async with request.app.state.db.transaction() as session:
            partner = await partner_for(session, request.user, partner_no, Action.VIEW)
            await update_master(session, request.user.user_id, partner, change, client_of(request))
    except InvalidForm as exc:
        raise refused(exc) from exc
    return await _document(request, partner)


ROUTES = [show_partner, change_partner]
