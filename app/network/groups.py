"""Who belongs to a comparison group: everyone, a list, or a rule over partner attributes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import Connection, Engine, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.principals import territory_paths
from app.models import ComparisonGroup, Partner
from app.network.memo import remembered, request_memo
from app.network.version import network_version

logger = logging.getLogger(__name__)

RULE_FIELDS = ("size_class", "region", "partner_type")


def matches_rule(rule: dict[str, Any], partner: Partner, path: tuple[str, ...]) -> bool:
    """Every criterion of the rule must allow the partner; `region` matches any node on its territory path."""
    for name, allowed in rule.items():
        if name == "region":
            if not set(allowed) & set(path):
                return False
        elif getattr(partner, name) not in allowed:
            return False
    return True


GroupMembers = list[tuple[ComparisonGroup, list[Partner]]]


@dataclass(frozen=True)
class Memberships:
    """Every active group with its members, and per partner the groups it is in (both in group order)."""

    groups: GroupMembers
    by_group: dict[int, list[Partner]]
    by_partner: dict[int, GroupMembers]

    @classmethod
    def of(cls, groups: GroupMembers) -> Memberships:
        by_partner: dict[int, GroupMembers] = {}
        for group, members in groups:
            for partner in members:
                by_partner.setdefault(partner.id, []).append((group, members))
        return cls(groups, {group.id: members for group, members in groups}, by_partner)


# Within one request the memberships are read once, without even asking for the network's change
# count (a page asks several times): kept in the request's memo (app.network.memo).

# Across requests, per database engine: (network change count, memberships).
_kept: WeakKeyDictionary[Engine | Connection, tuple[int, Memberships]] = WeakKeyDictionary()


def remember_groups(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: one computation of `groups_with_members` per HTTP request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        token = remembered.set({})
        try:
            await app(scope, receive, send)
        finally:
            remembered.reset(token)

    return middleware


async def groups_with_members(session: AsyncSession) -> GroupMembers:
    """Every active group with its active partners (ordered by number)."""
    return (await memberships(session)).groups


async def members_of(session: AsyncSession, group_id: int) -> list[Partner]:
    """The active partners of one active group (none for an unknown or closed group)."""
    return (await memberships(session)).by_group.get(group_id, [])


async def groups_of_partner(session: AsyncSession, partner_id: int) -> GroupMembers:
    """The active groups a partner is in, each with its members."""
    return (await memberships(session)).by_partner.get(partner_id, [])


async def memberships(session: AsyncSession) -> Memberships:
    """Kept by the process while the network's change count stays (app.network.version). Callers
    must not change the returned objects: they are shared."""
    memo = request_memo()
    if memo is not None and "all" in memo:
        found_before: Memberships = memo["all"]
        return found_before
    # The count first: a change committed between the two reads is then read again next time.
    version = await network_version(session)
    kept = _kept.get(session.get_bind())
    if version is not None and kept is not None and kept[0] == version:
        found = kept[1]
    else:
        before = set(session.identity_map.keys())
        found = Memberships.of(await _groups_with_members(session))
        if version is not None and _detach(session, found, before):
            _kept[session.get_bind()] = (version, found)
    if memo is not None:
        memo["all"] = found
    return found


def _detach(session: AsyncSession, found: Memberships, before: set[Any]) -> bool:
    """Take what was loaded out of the caller's session, so that a rollback there cannot expire it and
    no later query there hands out the shared objects; False (keep nothing) where the caller's session
    held some of them already: it may have changed them, and they are its own."""
    loaded = {id(o): o for group, members in found.groups for o in (group, *group.listed_partners, *members)}
    if any(inspect(o).identity_key in before for o in loaded.values()):
        # Said, so that a caller doing this on every request shows up: each then reads the whole network.
        logger.debug("group memberships not kept: the session already held some of the groups or partners")
        return False
    for o in loaded.values():
        session.expunge(o)
    return True


async def _groups_with_members(session: AsyncSession) -> GroupMembers:
    groups = (
        await session.scalars(
            select(ComparisonGroup)
            .where(ComparisonGroup.active)
            .options(selectinload(ComparisonGroup.listed_partners))
            .order_by(ComparisonGroup.id)
        )
    ).all()
    partners = (await session.scalars(select(Partner).where(Partner.active).order_by(Partner.number))).all()
    paths = await territory_paths(session)
    return [
        (group, select_members(group.kind, group.rule, {p.id for p in group.listed_partners}, partners, paths))
        for group in groups
    ]


def select_members(
    kind: str,
    rule: dict[str, Any] | None,
    listed_ids: set[int],
    partners: Sequence[Partner],
    paths: dict[int, tuple[str, ...]],
) -> list[Partner]:
    """The partners a group of this kind selects; a rule without criteria selects no one."""
    if kind == "all":
        return list(partners)
    if kind == "list":
        return [p for p in partners if p.id in listed_ids]
    return [p for p in partners if matches_rule(rule, p, paths[p.territory_id])] if rule else []


async def is_member(session: AsyncSession, group_id: int, partner_id: int) -> bool:
    """Whether one partner belongs to one active group now."""
    return any(group.id == group_id for group, _ in await groups_of_partner(session, partner_id))
