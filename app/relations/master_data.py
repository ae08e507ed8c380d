"""A partner's master data: addresses, contacts, the dealer contract and the supplier's staff for it.

Read for the partner file and the API; changed by the administration (page or API), each change
checked field by field (InvalidForm names the field, nothing stored) and audited with before and
after, which is the history the partner file shows.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import record
from app.models import Partner, PartnerAddress, PartnerContact, PartnerStaff, User, utcnow
from app.web.forms import InvalidForm, checked_text, has_hidden_characters

ADDRESS_KINDS = {"main": "Hauptsitz", "billing": "Rechnungsadresse", "delivery": "Lieferadresse"}
STAFF_ROLES = {
    "territory_manager": "Gebietsleitung",
    "receivables": "Debitorenmanagement",
    "warranty": "Garantie",
    "marketing": "Marketing",
    "service": "Technischer Service",
}
CONTRACT_TYPES = {
    "vertragshaendler": "Vertragshändler",
    "servicepartner": "Servicepartner",
    "agentur": "Agentur",
    "werkstatt": "Vertragswerkstatt",
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()/-]{6,30}$")
POSTAL_CODE = re.compile(r"^\d{5}$")
MAX_CONTACTS = 50


@dataclass
class Address:
    kind: str
    street: str
    postal_code: str
    city: str
    country: str = "DE"


@dataclass
class Contact:
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""
    consent: bool = False


@dataclass
class Contract:
    type: str = ""
    since: str | None = None  # ISO date
    brands: list[str] = field(default_factory=list)
    service_authorised: bool = False
    credit_limit: float | None = None
    coop_budget: float | None = None


@dataclass
class Staff:
    role: str
    username: str
    name: str = ""


@dataclass
class MasterData:
    addresses: list[Address]
    contacts: list[Contact]
    contract: Contract
    staff: list[Staff]


async def read_master(session: AsyncSession, partner: Partner) -> MasterData:
    addresses = await session.scalars(select(PartnerAddress).where(PartnerAddress.partner_id == partner.id))
    contacts = await session.scalars(
        select(PartnerContact).where(PartnerContact.partner_id == partner.id).order_by(PartnerContact.id)
    )
    staff = await session.execute(
        select(PartnerStaff.role, User.username, User.display_name)
        .join(User, User.id == PartnerStaff.user_id)
        .where(PartnerStaff.partner_id == partner.id)
    )
    order = list(ADDRESS_KINDS)
    return MasterData(
        sorted(
            (Address(a.kind, a.street, a.postal_code, a.city, a.country) for a in addresses),
            key=lambda a: order.index(a.kind),
        ),
        [Contact(c.name, c.role, c.phone, c.email, c.consent) for c in contacts],
        Contract(
            partner.contract_type,
            partner.contract_since.isoformat() if partner.contract_since else None,
            list(partner.brands or []),
            partner.service_authorised,
            partner.credit_limit,
            partner.coop_budget,
        ),
        sorted((Staff(*row) for row in staff), key=lambda s: list(STAFF_ROLES).index(s.role)),
    )


@dataclass
class MasterChange:
    """What to change; None leaves a part as it is, a list replaces the part."""

    addresses: list[Address] | None = None
    contacts: list[Contact] | None = None
    contract: dict[str, Any] | None = None
    staff: list[Staff] | None = None


def _text(errors: dict[str, str], name: str, value: str, limit: int, required: bool = False) -> str:
    return checked_text(errors, name, value or "", limit, required) or ""


def _check_addresses(addresses: list[Address], errors: dict[str, str]) -> list[Address]:
    kinds = [a.kind for a in addresses]
    for i, a in enumerate(addresses):
        at = f"addresses[{i}]"
        if a.kind not in ADDRESS_KINDS:
            errors[f"{at}.kind"] = f"Art „{a.kind}“ gibt es nicht ({', '.join(ADDRESS_KINDS)})."
        elif kinds.count(a.kind) > 1:
            errors[f"{at}.kind"] = f"{ADDRESS_KINDS[a.kind]} steht zweimal da."
        a.street = _text(errors, f"{at}.street", a.street, 200, True)
        a.city = _text(errors, f"{at}.city", a.city, 120, True)
        a.country = (a.country or "DE").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", a.country):
            errors[f"{at}.country"] = "Ländercode mit zwei Buchstaben (z. B. DE)."
        if a.country == "DE" and not POSTAL_CODE.match(a.postal_code.strip()):
            errors[f"{at}.postal_code"] = f"„{a.postal_code}“ ist keine Postleitzahl (fünf Ziffern)."
        a.postal_code = a.postal_code.strip()[:10]
    return addresses


def _check_contacts(contacts: list[Contact], errors: dict[str, str]) -> list[Contact]:
    if len(contacts) > MAX_CONTACTS:
        errors["contacts"] = f"Höchstens {MAX_CONTACTS} Kontakte."
    for i, c in enumerate(contacts):
        at = f"contacts[{i}]"
        c.name = _text(errors, f"{at}.name", c.name, 120, True)
        c.role = _text(errors, f"{at}.role", c.role, 120)
        c.phone = _text(errors, f"{at}.phone", c.phone, 30)
        c.email = _text(errors, f"{at}.email", c.email, 200)
        if c.phone and not PHONE.match(c.phone):
            errors[f"{at}.phone"] = f"„{c.phone}“ ist keine Telefonnummer."
        if c.email and not EMAIL.match(c.email):
            errors[f"{at}.email"] = f"„{c.email}“ ist keine E-Mail-Adresse."
    return contacts


def _check_contract(change: dict[str, Any], current: Contract, errors: dict[str, str]) -> Contract:
    unknown = sorted(set(change) - set(asdict(current)))
    if unknown:
        errors["contract"] = f"Unbekannte Felder: {', '.join(unknown)}."
    merged = Contract(**{**asdict(current), **{k: v for k, v in change.items() if k not in unknown}})
    if merged.type and merged.type not in CONTRACT_TYPES:
        errors["contract.type"] = f"Vertragsart „{merged.type}“ gibt es nicht ({', '.join(CONTRACT_TYPES)})."
    if merged.since:
        try:
            if date.fromisoformat(str(merged.since)) > date.today():
                errors["contract.since"] = "Der Vertragsbeginn liegt in der Zukunft."
        except ValueError:
            errors["contract.since"] = f"„{merged.since}“ ist kein Datum (JJJJ-MM-TT)."
    if not isinstance(merged.brands, list) or not all(
        isinstance(b, str) and 0 < len(b) <= 60 and not has_hidden_characters(b) for b in merged.brands
    ):
        errors["contract.brands"] = "Marken: eine Liste von Namen (je höchstens 60 Zeichen)."
    for name in ("credit_limit", "coop_budget"):
        value = getattr(merged, name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e10
        ):
            errors[f"contract.{name}"] = "Ein Betrag ab 0 €."
    if not isinstance(merged.service_authorised, bool):
        errors["contract.service_authorised"] = "Ja oder nein (true/false)."
    return merged


async def _check_staff(session: AsyncSession, staff: list[Staff], errors: dict[str, str]) -> dict[str, User]:
    users = {
        u.username: u for u in await session.scalars(select(User).where(User.username.in_([s.username for s in staff])))
    }
    roles = [s.role for s in staff]
    for i, s in enumerate(staff):
        at = f"staff[{i}]"
        if s.role not in STAFF_ROLES:
            errors[f"{at}.role"] = f"Funktion „{s.role}“ gibt es nicht ({', '.join(STAFF_ROLES)})."
        elif roles.count(s.role) > 1:
            errors[f"{at}.role"] = f"{STAFF_ROLES[s.role]} ist zweimal vergeben."
        user = users.get(s.username)
        if user is None or not user.active:
            errors[f"{at}.username"] = f"Einen aktiven Benutzer „{s.username}“ gibt es nicht."
        elif user.partner_id is not None:
            errors[f"{at}.username"] = f"„{s.username}“ ist Benutzer eines Partners, nicht der Zentrale."
    return users


async def update_master(
    session: AsyncSession, actor_id: int, partner: Partner, change: MasterChange, client: str | None
) -> bool:
    """Apply the change (all or nothing); returns whether anything changed. Audited with before and after."""
    before = await read_master(session, partner)
    errors: dict[str, str] = {}
    addresses = _check_addresses(change.addresses, errors) if change.addresses is not None else before.addresses
    contacts = _check_contacts(change.contacts, errors) if change.contacts is not None else before.contacts
    contract = _check_contract(change.contract, before.contract, errors) if change.contract else before.contract
    users = await _check_staff(session, change.staff, errors) if change.staff is not None else {}
    if errors:
        raise InvalidForm(errors)
    after = MasterData(
        addresses,
        contacts,
        contract,
        [Staff(s.role, s.username, users[s.username].display_name) for s in change.staff]
        if change.staff is not None
        else before.staff,
    )
    if after == before:
        return False
    if change.addresses is not None:
        await session.execute(delete(PartnerAddress).where(PartnerAddress.partner_id == partner.id))
        session.add_all(PartnerAddress(partner_id=partner.id, **asdict(a)) for a in addresses)
    if change.contacts is not None:
        await _replace_contacts(session, partner, before.contacts, contacts)
    if change.contract:
        partner.contract_type, partner.brands = contract.type, contract.brands
        partner.contract_since = date.fromisoformat(contract.since) if contract.since else None
        partner.service_authorised = contract.service_authorised
        partner.credit_limit, partner.coop_budget = contract.credit_limit, contract.coop_budget
    if change.staff is not None:
        await session.execute(delete(PartnerStaff).where(PartnerStaff.partner_id == partner.id))
        session.add_all(
            PartnerStaff(partner_id=partner.id, role=s.role, user_id=users[s.username].id) for s in change.staff
        )
    changed = {
        part: {"vorher": _plain(getattr(before, part)), "nachher": _plain(getattr(after, part))}
        for part in ("addresses", "contacts", "contract", "staff")
        if getattr(before, part) != getattr(after, part)
    }
    record(
        session,
        actor_id,
        "partner.master_data_changed",
        object_type="partner",
        object_id=str(partner.number),
        client=client,
        **changed,
    )
    return True


async def _replace_contacts(
    session: AsyncSession, partner: Partner, before: list[Contact], after: list[Contact]
) -> None:
    """Replace the contacts; a consent keeps the moment it was first given."""
    given = {
        (c.name, c.email): c.consent_at
        for c in await session.scalars(select(PartnerContact).where(PartnerContact.partner_id == partner.id))
    }
    await session.execute(delete(PartnerContact).where(PartnerContact.partner_id == partner.id))
    for c in after:
        since = given.get((c.name, c.email)) if c.consent else None
        session.add(
            PartnerContact(partner_id=partner.id, **asdict(c), consent_at=since or (utcnow() if c.consent else None))
        )


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [asdict(v) for v in value]
    return asdict(value)
