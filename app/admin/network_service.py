"""The territory tree as the Zentrale manages it, and what the partner and group services share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import record
from app.models import Partner, Territory, User
from app.web.forms import InvalidForm, text

CHILD_LEVEL = {"network": "region", "region": "territory"}
LEVEL_NAMES = {"network": "Netzwerk", "region": "Region", "territory": "Gebiet"}
TERRITORY_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")


def as_id(value: str) -> int | None:
    """A form's number, or None; `isascii` because "²".isdigit() holds and int() then fails."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


async def users_of_partners(session: AsyncSession, partner_ids: set[int]) -> list[int]:
    """The users whose sockets joined group rooms by these partners' memberships (see `rooms_for`)."""
    if not partner_ids:
        return []
    return list(await session.scalars(select(User.id).where(User.partner_id.in_(partner_ids))))


@dataclass
class TreeNode:
    territory: Territory
    children: list[TreeNode] = field(default_factory=list)
    active_partners: int = 0  # in the whole subtree


async def territory_tree(session: AsyncSession) -> list[TreeNode]:
    """The roots of the tree, children ordered by name; each node counts the active partners below it."""
    territories = list(await session.scalars(select(Territory).order_by(Territory.name)))
    rows = await session.execute(
        select(Partner.territory_id, func.count()).where(Partner.active).group_by(Partner.territory_id)
    )
    direct: dict[int, int] = {territory_id: n for territory_id, n in rows}
    nodes = {t.id: TreeNode(t) for t in territories}
    roots: list[TreeNode] = []
    for t in territories:
        parent = nodes.get(t.parent_id) if t.parent_id else None
        (parent.children if parent else roots).append(nodes[t.id])

    def count(node: TreeNode) -> int:
        node.active_partners = direct.get(node.territory.id, 0) + sum(count(child) for child in node.children)
        return node.active_partners

    for root in roots:
        count(root)
    return roots


async def leaf_choices(session: AsyncSession, keep: int | None = None) -> list[tuple[int, str]]:
    """Active territories (leaves) as (id, "Region › Gebiet"); `keep` stays listed even when inactive."""
    regions = {t.id: t.name for t in await session.scalars(select(Territory).where(Territory.level == "region"))}
    leaves = await session.scalars(
        select(Territory).where(Territory.level == "territory").order_by(Territory.parent_id, Territory.name)
    )
    return [
        (t.id, f"{regions.get(t.parent_id or 0, '?')} › {t.name}" + ("" if t.active else " (inaktiv)"))
        for t in leaves
        if t.active or t.id == keep
    ]


async def parent_choices(session: AsyncSession) -> list[Territory]:
    """Where a new node may go: under the network (a region) or under a region (a territory)."""
    return list(
        await session.scalars(
            select(Territory)
            .where(Territory.active, Territory.level.in_(list(CHILD_LEVEL)))
            .order_by(Territory.parent_id.is_not(None), Territory.name)
        )
    )


@dataclass
class TerritoryForm:
    parent_id: str = ""
    code: str = ""
    name: str = ""

    @classmethod
    def parse(cls, form: dict[str, Any]) -> TerritoryForm:
        return cls(text(form, "parent_id", 12), text(form, "code", 40).upper(), text(form, "name", 120))


def _checked_name(name: str, errors: dict[str, str]) -> None:
    if not name:
        errors["name"] = "Name: Bitte einen Namen angeben."


async def create_territory(session: AsyncSession, actor_id: int, form: TerritoryForm, client: str | None) -> Territory:
    """A new region under the network or a new territory under a region; the level follows from the parent."""
    errors: dict[str, str] = {}
    parent_id = as_id(form.parent_id)
    parent = await session.get(Territory, parent_id) if parent_id else None
    if parent is None or not parent.active:
        errors["parent_id"] = "Übergeordnet: Bitte das Netzwerk oder eine aktive Region wählen."
    elif parent.level not in CHILD_LEVEL:
        errors["parent_id"] = f"Übergeordnet: Unter dem Gebiet „{parent.name}“ kann nichts angelegt werden."
    if not TERRITORY_CODE.match(form.code):
        errors["code"] = "Kürzel: 2–40 Zeichen, Großbuchstaben, Ziffern und Bindestrich, z. B. SUED-BW."
    elif await session.scalar(select(Territory.id).where(Territory.code == form.code)):
        errors["code"] = f"Kürzel: „{form.code}“ ist bereits vergeben."
    _checked_name(form.name, errors)
    if errors or parent is None:
        raise InvalidForm(errors)
    territory = Territory(parent_id=parent.id, level=CHILD_LEVEL[parent.level], code=form.code, name=form.name)
    session.add(territory)
    await session.flush()
    record(
        session,
        actor_id,
        "territory.created",
        object_type="territory",
        object_id=territory.code,
        client=client,
        level=territory.level,
        parent=parent.code,
        name=territory.name,
    )
    return territory


async def rename_territory(
    session: AsyncSession, actor_id: int, territory: Territory, name: str, client: str | None
) -> bool:
    """Only the name changes: the code stays, because group rules name regions by code."""
    errors: dict[str, str] = {}
    _checked_name(name, errors)
    if errors:
        raise InvalidForm(errors)
    if name == territory.name:
        return False
    old, territory.name = territory.name, name
    record(
        session,
        actor_id,
        "territory.renamed",
        object_type="territory",
        object_id=territory.code,
        client=client,
        name=[old, name],
    )
    return True


async def set_territory_active(
    session: AsyncSession, actor_id: int, territory: Territory, active: bool, client: str | None
) -> None:
    if active:
        parent = await session.get(Territory, territory.parent_id) if territory.parent_id else None
        if parent is not None and not parent.active:
            raise InvalidForm(
                {"active": f"„{territory.name}“ liegt unter „{parent.name}“; bitte zuerst diese aktivieren."}
            )
    else:
        children = await session.scalar(
            select(func.count()).select_from(Territory).where(Territory.parent_id == territory.id, Territory.active)
        )
        partners = await session.scalar(
            select(func.count()).select_from(Partner).where(Partner.territory_id == territory.id, Partner.active)
        )
        blockers = [
            f"{partners} aktive Partner" if partners else "",
            f"{children} aktive untergeordnete Knoten" if children else "",
        ]
        if partners or children:
            raise InvalidForm(
                {
                    "active": f"„{territory.name}“ kann nicht deaktiviert werden: Darunter liegen noch "
                    f"{' und '.join(b for b in blockers if b)}. Bitte diese zuerst verschieben oder deaktivieren."
                }
            )
    territory.active = active
    record(
        session,
        actor_id,
        "territory.reactivated" if active else "territory.deactivated",
        object_type="territory",
        object_id=territory.code,
        client=client,
    )
