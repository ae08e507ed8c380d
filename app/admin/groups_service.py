"""Comparison groups as the Zentrale manages them: a form's members are previewed, then saved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.admin.network_service import as_id, users_of_partners
from app.admin.partners_service import SIZE_CLASSES, partner_types
from app.audit import record
from app.auth.principals import territory_paths
from app.models import ChatRoom, ComparisonGroup, Partner, Territory
from app.network.groups import RULE_FIELDS, groups_with_members, select_members
from app.web.forms import InvalidForm, text, values

KINDS = {"all": "alle Partner", "list": "Liste", "rule": "Regel"}
EDITABLE_KINDS = ("list", "rule")  # "Alle Partner" exists exactly once, from the start


@dataclass
class GroupForm:
    name: str = ""
    description: str = ""
    kind: str = "rule"
    partner_ids: list[str] = field(default_factory=list)
    size_class: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    partner_type: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, form: dict[str, Any]) -> GroupForm:
        return cls(
            text(form, "name", 120),
            text(form, "description", 400),
            text(form, "kind", 10),
            values(form, "partner"),
            size_class=values(form, "size_class"),
            region=values(form, "region"),
            partner_type=values(form, "partner_type"),
        )

    @classmethod
    def of(cls, group: ComparisonGroup) -> GroupForm:
        rule = group.rule or {}
        return cls(
            group.name,
            group.description,
            group.kind,
            [str(p.id) for p in group.listed_partners],
            size_class=list(rule.get("size_class", [])),
            region=list(rule.get("region", [])),
            partner_type=list(rule.get("partner_type", [])),
        )

    def rule(self) -> dict[str, list[str]]:
        """The criteria that restrict anything; an empty list would otherwise match no one."""
        return {name: getattr(self, name) for name in RULE_FIELDS if getattr(self, name)}

    def listed(self) -> set[int]:
        return {i for i in map(as_id, self.partner_ids) if i is not None}


def members_of(form: GroupForm, partners: Sequence[Partner], paths: dict[int, tuple[str, ...]]) -> list[Partner]:
    """The active partners a group form selects, by the rule `groups_with_members` applies to saved groups."""
    active = [p for p in partners if p.active]
    return select_members(form.kind, form.rule(), set(form.listed()), active, paths)


async def _partners_and_paths(session: AsyncSession) -> tuple[list[Partner], dict[int, tuple[str, ...]]]:
    partners = list(await session.scalars(select(Partner).order_by(Partner.number)))
    return partners, await territory_paths(session)


async def load_group(session: AsyncSession, group_id: int) -> ComparisonGroup | None:
    return await session.scalar(
        select(ComparisonGroup)
        .where(ComparisonGroup.id == group_id)
        .options(selectinload(ComparisonGroup.listed_partners))
    )


async def groups_with_counts(session: AsyncSession) -> list[tuple[ComparisonGroup, int]]:
    """Every group, inactive ones too, with how many active partners it has (or would have again)."""
    groups = await session.scalars(
        select(ComparisonGroup)
        .options(selectinload(ComparisonGroup.listed_partners))
        .order_by(ComparisonGroup.active.desc(), ComparisonGroup.id)
    )
    partners, paths = await _partners_and_paths(session)
    return [(g, len(members_of(GroupForm.of(g), partners, paths))) for g in groups]


@dataclass(frozen=True)
class Preview:
    members: list[tuple[Partner, str]]  # partner, region name
    hint: str = ""


async def preview(session: AsyncSession, form: GroupForm) -> Preview:
    partners, paths = await _partners_and_paths(session)
    regions = {t.code: t.name for t in await session.scalars(select(Territory).where(Territory.level == "region"))}
    # A partner's path runs network -> region -> territory; the region is the second code.
    members = [(p, regions.get(paths[p.territory_id][1], "")) for p in members_of(form, partners, paths)]
    hint = ""
    if form.kind == "rule" and not form.rule():
        hint = "Bitte mindestens ein Kriterium wählen."
    elif form.kind == "list" and not form.listed():
        hint = "Bitte Partner ankreuzen."
    return Preview(members, hint)


@dataclass(frozen=True)
class Choices:
    partners: list[Partner]
    regions: list[tuple[str, str]]  # code, name
    partner_types: list[str]
    size_classes: tuple[str, ...] = SIZE_CLASSES


async def choices(session: AsyncSession, form: GroupForm) -> Choices:
    """What the form offers; values the group already uses stay on offer even when no longer current."""
    listed = form.listed()
    partners = [
        p for p in await session.scalars(select(Partner).order_by(Partner.number)) if p.active or p.id in listed
    ]
    regions = [
        (t.code, t.name + ("" if t.active else " (inaktiv)"))
        for t in await session.scalars(select(Territory).where(Territory.level == "region").order_by(Territory.name))
        if t.active or t.code in form.region
    ]
    types = sorted(set(await partner_types(session)) | set(form.partner_type))
    return Choices(partners, regions, types)


async def _checked(session: AsyncSession, form: GroupForm, existing: ComparisonGroup | None) -> list[Partner]:
    """Refuse what cannot be saved (InvalidForm); returns the listed partners for a list group."""
    errors: dict[str, str] = {}
    if not form.name:
        errors["name"] = "Name: Bitte einen Namen angeben."
    else:
        others = await session.scalars(select(ComparisonGroup))
        if any(g.name.casefold() == form.name.casefold() and g is not existing for g in others):
            errors["name"] = f"Name: Eine Gruppe „{form.name}“ gibt es bereits."
    if existing is not None and existing.kind == "all":
        if form.kind not in ("", "all"):
            errors["kind"] = f"Art: „{existing.name}“ umfasst immer alle aktiven Partner; die Art bleibt."
        form.kind = "all"
    elif form.kind not in EDITABLE_KINDS:
        errors["kind"] = "Art: Bitte „Liste“ oder „Regel“ wählen."
    listed: list[Partner] = []
    if form.kind == "list":
        listed = list(await session.scalars(select(Partner).where(Partner.id.in_(form.listed()))))
        if not listed:
            errors["partner"] = "Partner: Bitte mindestens einen Partner ankreuzen."
    elif form.kind == "rule":
        offered = await choices(session, GroupForm() if existing is None else GroupForm.of(existing))
        allowed = {
            "size_class": ("Größenklasse", set(SIZE_CLASSES)),
            "region": ("Region", {code for code, _ in offered.regions}),
            "partner_type": ("Partnertyp", set(offered.partner_types)),
        }
        for name, (label, known) in allowed.items():
            unknown = [v for v in getattr(form, name) if v not in known]
            if unknown:
                errors[name] = f"{label}: Unbekannt ist {', '.join(unknown)}."
        if not form.rule():
            errors["rule"] = "Regel: Bitte mindestens ein Kriterium wählen (Größenklasse, Region oder Partnertyp)."
    if not errors:
        near = await _near_twin(session, form, existing)
        if near:
            errors["members"] = (
                f"Mitglieder: Die Gruppe unterscheidet sich von „{near}“ in weniger als "
                f"{NEAR_TWIN_LIMIT} Partnern; aus beiden Gruppenwerten ließen sich die Werte "
                "dieser Partner zurückrechnen."
            )
    if errors:
        raise InvalidForm(errors)
    return listed


# Two groups whose members differ in fewer partners than this let the difference be computed
# from their two released means (n·mean − n'·mean'); the anonymity minimum applies to it too.
NEAR_TWIN_LIMIT = 5


async def _near_twin(session: AsyncSession, form: GroupForm, existing: ComparisonGroup | None) -> str | None:
    partners, paths = await _partners_and_paths(session)
    mine = {p.id for p in members_of(form, partners, paths)}
    for group, members in await groups_with_members(session):
        if group is existing or (existing is not None and group.id == existing.id):
            continue
        difference = len(mine ^ {p.id for p in members})
        if 0 < difference < NEAR_TWIN_LIMIT:
            return group.name
    return None


def _apply(group: ComparisonGroup, form: GroupForm, listed: list[Partner]) -> None:
    group.name, group.description, group.kind = form.name, form.description, form.kind
    group.rule = form.rule() if form.kind == "rule" else None
    group.listed_partners = listed if form.kind == "list" else []


async def create_group(
    session: AsyncSession, actor_id: int, form: GroupForm, client: str | None
) -> tuple[ComparisonGroup, list[int]]:
    """Returns the new group and the users to reconnect, so that their sockets join its room."""
    listed = await _checked(session, form, None)
    group = ComparisonGroup(active=True)
    _apply(group, form, listed)
    session.add(group)
    await session.flush()
    # Every comparison group has its chat room; its members follow the group's.
    session.add(ChatRoom(name=group.name, kind="group", group_id=group.id, created_by_id=actor_id))
    partners, paths = await _partners_and_paths(session)
    members = members_of(form, partners, paths)
    record(
        session,
        actor_id,
        "group.created",
        object_type="group",
        object_id=group.id,
        client=client,
        name=group.name,
        kind=group.kind,
        rule=group.rule,
        partners=[p.number for p in listed],
        members=len(members),
    )
    return group, await users_of_partners(session, {p.id for p in members})


async def update_group(
    session: AsyncSession, actor_id: int, group: ComparisonGroup, form: GroupForm, client: str | None
) -> list[int]:
    """Save the form; returns the users whose partner joined or left the group (their rooms change)."""
    listed = await _checked(session, form, group)
    partners, paths = await _partners_and_paths(session)
    before = {p.id for p in members_of(GroupForm.of(group), partners, paths)}
    after = {p.id for p in members_of(form, partners, paths)}
    old_numbers = {p.number for p in group.listed_partners}
    old = {"name": group.name, "description": group.description, "kind": group.kind, "rule": group.rule}
    _apply(group, form, listed)
    new = {"name": group.name, "description": group.description, "kind": group.kind, "rule": group.rule}
    changes: dict[str, object] = {k: [old[k], new[k]] for k in old if old[k] != new[k]}
    new_numbers = {p.number for p in group.listed_partners}
    if old_numbers != new_numbers:
        changes["partners_added"] = sorted(new_numbers - old_numbers)
        changes["partners_removed"] = sorted(old_numbers - new_numbers)
    if not changes:
        return []
    if before != after:
        changes["members"] = [len(before), len(after)]
    record(session, actor_id, "group.changed", object_type="group", object_id=group.id, client=client, **changes)
    if "name" in changes:
        await session.execute(update(ChatRoom).where(ChatRoom.group_id == group.id).values(name=group.name))
    # Sockets join the rooms of active groups only.
    return await users_of_partners(session, before ^ after) if group.active else []


async def set_group_active(
    session: AsyncSession, actor_id: int, group: ComparisonGroup, active: bool, client: str | None
) -> list[int]:
    """Returns the members' users: their sockets reconnect to join or leave the group's room."""
    if group.kind == "all" and not active:
        raise InvalidForm({"active": f"„{group.name}“ umfasst immer alle Partner und bleibt aktiv."})
    group.active = active
    # The group's chat room closes and opens with it; its messages stay.
    await session.execute(update(ChatRoom).where(ChatRoom.group_id == group.id).values(active=active))
    record(
        session,
        actor_id,
        "group.reactivated" if active else "group.deactivated",
        object_type="group",
        object_id=group.id,
        client=client,
        name=group.name,
    )
    partners, paths = await _partners_and_paths(session)
    return await users_of_partners(session, {p.id for p in members_of(GroupForm.of(group), partners, paths)})
