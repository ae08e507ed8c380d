"""Partners as the Zentrale manages them: find, create, change, deactivate and reactivate."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.network_service import as_id, users_of_partners
from app.audit import record
from app.auth.principals import territory_paths
from app.models import Partner, Territory, territory_managers
from app.web.forms import InvalidForm, text

SIZE_CLASSES = ("klein", "mittel", "groß")
POSTAL_CODE = re.compile(r"^\d{5}$")
MAX_NUMBER = 99_999_999
# What comparison-group rules look at: a change to one of these can move the partner between groups.
MEMBERSHIP_FIELDS = ("territory_id", "size_class", "partner_type")


@dataclass(frozen=True)
class PartnerFilter:
    query: str = ""
    territory_id: int | None = None  # any node of the tree: the partners below it
    status: str = ""  # "" | active | inactive


@dataclass(frozen=True)
class PartnerRow:
    partner: Partner
    region: str
    territory: str


async def find_partners(session: AsyncSession, f: PartnerFilter) -> list[PartnerRow]:
    partners = await session.scalars(select(Partner).order_by(Partner.number))
    nodes = {t.id: t for t in await session.scalars(select(Territory))}
    codes = {t.code: t for t in nodes.values()}
    paths = await territory_paths(session)
    below = nodes[f.territory_id].code if f.territory_id in nodes else None
    # Searched here, not with LIKE: SQLite folds only ASCII case, and "Müller" must match "MÜLLER".
    needle = f.query.casefold()
    rows = []
    for p in partners:
        path = paths[p.territory_id]
        if (f.status == "active" and not p.active) or (f.status == "inactive" and p.active):
            continue
        if below and below not in path:
            continue
        if needle and not any(needle in str(v).casefold() for v in (p.number, p.name, p.city, p.postal_code)):
            continue
        region = codes[path[1]].name if len(path) > 2 else ""
        rows.append(PartnerRow(p, region, nodes[p.territory_id].name))
    return rows


@dataclass
class PartnerForm:
    number: str = ""
    name: str = ""
    territory_id: str = ""
    size_class: str = ""
    partner_type: str = ""
    postal_code: str = ""
    city: str = ""

    @classmethod
    def parse(cls, form: dict[str, Any]) -> PartnerForm:
        return cls(
            text(form, "number", 12),
            text(form, "name", 200),
            text(form, "territory_id", 12),
            text(form, "size_class", 20),
            text(form, "partner_type", 40),
            text(form, "postal_code", 10),
            text(form, "city", 120),
        )

    @classmethod
    def of(cls, p: Partner) -> PartnerForm:
        return cls(str(p.number), p.name, str(p.territory_id), p.size_class, p.partner_type, p.postal_code, p.city)


async def partner_types(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(Partner.partner_type).distinct().order_by(Partner.partner_type)))


async def _checked(session: AsyncSession, form: PartnerForm, existing: Partner | None) -> dict[str, Any]:
    """The form as column values, or InvalidForm naming every field that is wrong."""
    errors: dict[str, str] = {}
    number = as_id(form.number)
    if number is None or not 0 < number <= MAX_NUMBER:
        errors["number"] = "Partnernummer: Bitte eine ganze Zahl von 1 bis 99999999 angeben."
    else:
        holder = await session.scalar(select(Partner).where(Partner.number == number))
        if holder is not None and holder is not existing:
            errors["number"] = f"Partnernummer: Die Nummer {number} hat bereits „{holder.name}“."
    if not form.name:
        errors["name"] = "Name: Bitte den Namen des Betriebs angeben."
    territory_id = as_id(form.territory_id)
    territory = await session.get(Territory, territory_id) if territory_id else None
    if territory is None or territory.level != "territory":
        errors["territory_id"] = (
            "Gebiet: Bitte ein Gebiet wählen (Partner gehören zu einem Gebiet, nicht zu einer Region)."
        )
    elif not territory.active and (existing is None or existing.territory_id != territory.id):
        errors["territory_id"] = f"Gebiet: „{territory.name}“ ist deaktiviert; bitte ein aktives Gebiet wählen."
    if form.size_class not in SIZE_CLASSES:
        errors["size_class"] = "Größenklasse: Bitte klein, mittel oder groß wählen."
    if not form.partner_type:
        errors["partner_type"] = "Partnertyp: Bitte angeben, z. B. Landtechnik."
    if not POSTAL_CODE.match(form.postal_code):
        errors["postal_code"] = "Postleitzahl: Bitte genau fünf Ziffern angeben, z. B. 84028."
    if not form.city:
        errors["city"] = "Ort: Bitte den Ort angeben."
    if errors:
        raise InvalidForm(errors)
    return {
        "number": number,
        "name": form.name,
        "territory_id": territory_id,
        "size_class": form.size_class,
        "partner_type": form.partner_type,
        "postal_code": form.postal_code,
        "city": form.city,
    }


async def create_partner(session: AsyncSession, actor_id: int, form: PartnerForm, client: str | None) -> Partner:
    columns = await _checked(session, form, None)
    partner = Partner(**columns, active=True)
    session.add(partner)
    await session.flush()
    record(session, actor_id, "partner.created", object_type="partner", object_id=partner.id, client=client, **columns)
    return partner


async def update_partner(
    session: AsyncSession, actor_id: int, partner: Partner, form: PartnerForm, client: str | None
) -> list[int]:
    """Save the form; returns the users to reconnect, when the change can move the partner between groups."""
    columns = await _checked(session, form, partner)
    changes = {
        name: [getattr(partner, name), value] for name, value in columns.items() if getattr(partner, name) != value
    }
    if not changes:
        return []
    for name, (_old, new) in changes.items():
        setattr(partner, name, new)
    record(session, actor_id, "partner.changed", object_type="partner", object_id=partner.id, client=client, **changes)
    if not set(changes) & set(MEMBERSHIP_FIELDS):
        return []
    reconnecting = await users_of_partners(session, {partner.id})
    if "territory_id" in changes:
        # Territory managers joined the partner's room by territory; old and new ones must rejoin.
        reconnecting += list(await session.scalars(select(territory_managers.c.user_id).distinct()))
    return reconnecting


async def set_partner_active(
    session: AsyncSession, actor_id: int, partner: Partner, active: bool, client: str | None
) -> list[int]:
    """Groups count active partners only, so the partner's users reconnect to get their new rooms."""
    if active:
        territory = await session.get(Territory, partner.territory_id)
        if territory is not None and not territory.active:
            message = f"Das Gebiet „{territory.name}“ ist deaktiviert; bitte dem Partner zuerst ein aktives geben."
            raise InvalidForm({"active": message})
    partner.active = active
    record(
        session,
        actor_id,
        "partner.reactivated" if active else "partner.deactivated",
        object_type="partner",
        object_id=partner.id,
        client=client,
        number=partner.number,
    )
    return await users_of_partners(session, {partner.id})
