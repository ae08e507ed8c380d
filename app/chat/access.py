"""Who may read and write which room. Checked on every request and every socket event.

Deny by default. A partner's user needs the chat grant (accountants have none). Moderators read
and write every room. A group room follows its comparison group's current members; a partners
room its listed partners; a network room is open to everyone who chats. Zentrale staff who view
partners talk with them: a partner's conversation (kind "partner") is open to its users who chat
and to the Zentrale staff who may view the partner; a direct conversation to its two people.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.models import ChatMute, ChatRoom, ComparisonGroup, Partner, room_members, room_partners
from app.network.colleagues import may_concern, visible_partner_ids
from app.network.groups import groups_with_members, is_member
from app.web.templating import datetime_de


def may_chat(principal: Principal) -> bool:
    return (
        principal.may(Action.CHAT)
        or principal.may(Action.MODERATE)
        or (not principal.is_partner_user and principal.may(Action.VIEW))
    )


def is_moderator(principal: Principal) -> bool:
    return principal.may(Action.MODERATE)


class RoomClosed(PermissionDeniedException):
    """The room exists, but this user may not read it (or not write in it)."""


async def readable_rooms(
    session: AsyncSession,
    principal: Principal,
    groups: Sequence[tuple[ComparisonGroup, Sequence[Partner]]] | None = None,
) -> list[ChatRoom]:
    """Every room the user may read; `groups` (from `groups_with_members`) may be passed in if at hand."""
    if not may_chat(principal):
        return []
    rooms = list(await session.scalars(select(ChatRoom).where(ChatRoom.active).order_by(ChatRoom.kind, ChatRoom.name)))
    if is_moderator(principal):
        return rooms
    partner = principal.partner_id
    found = groups if groups is not None else await groups_with_members(session)
    members_of = {g.id: {p.id for p in members} for g, members in found}
    listed: dict[int, set[int]] = {}
    for room_id, partner_id in await session.execute(select(room_partners.c.room_id, room_partners.c.partner_id)):
        listed.setdefault(room_id, set()).add(partner_id)
    direct = set(
        await session.scalars(select(room_members.c.room_id).where(room_members.c.user_id == principal.user_id))
    )
    viewed = await visible_partner_ids(session, principal) if partner is None else set()

    def reads(room: ChatRoom) -> bool:
        if room.kind == "network":
            return True
        if room.kind == "direct":
            return room.id in direct
        if room.kind == "partner" and partner is None:
            return bool(listed.get(room.id, set()) & viewed)
        if partner is None:
            return False
        if room.kind == "group":
            return room.group_id is not None and partner in members_of.get(room.group_id, set())
        return partner in listed.get(room.id, set())

    return [room for room in rooms if reads(room)]


async def may_read(session: AsyncSession, principal: Principal, room: ChatRoom) -> bool:
    """The rule of `readable_rooms` for one room (checked on every message, so kept cheap)."""
    if not may_chat(principal) or not room.active:
        return False
    if is_moderator(principal) or room.kind == "network":
        return True
    if room.kind == "direct":
        member = await session.scalar(
            select(room_members.c.user_id).where(
                room_members.c.room_id == room.id, room_members.c.user_id == principal.user_id
            )
        )
        return member is not None
    if principal.partner_id is None:
        if room.kind != "partner":
            return False
        about = await session.scalar(select(room_partners.c.partner_id).where(room_partners.c.room_id == room.id))
        return about is not None and await may_concern(session, principal, about)
    if room.kind == "group":
        return room.group_id is not None and await is_member(session, room.group_id, principal.partner_id)
    listed = await session.scalar(
        select(room_partners.c.partner_id).where(
            room_partners.c.room_id == room.id, room_partners.c.partner_id == principal.partner_id
        )
    )
    return listed is not None


async def room_for(session: AsyncSession, principal: Principal, room_id: int) -> ChatRoom:
    """The room if the user may read it: 404 when there is none, 403 when it is not theirs."""
    room = await session.get(ChatRoom, room_id)
    if room is None or not room.active:
        raise NotFoundException(f"Raum {room_id} gibt es nicht.")
    if not await may_read(session, principal, room):
        raise RoomClosed("Diesen Raum dürfen Sie nicht lesen.")
    return room


async def muted_until(session: AsyncSession, room_id: int, user_id: int, now: datetime) -> ChatMute | None:
    return await session.scalar(
        select(ChatMute)
        .where(ChatMute.room_id == room_id, ChatMute.user_id == user_id, ChatMute.until > now)
        .order_by(ChatMute.until.desc())
        .limit(1)
    )


def write_refusal(room: ChatRoom, principal: Principal, mute: ChatMute | None) -> str | None:
    """Why this user may not write here now (German), or None."""
    if is_moderator(principal):
        return None
    if room.announcements_only:
        return "In diesem Mitteilungsraum schreiben nur Moderatoren."
    if mute is not None:
        reason = f" ({mute.reason})" if mute.reason else ""
        return f"Sie sind in diesem Raum bis {datetime_de(mute.until)} stummgeschaltet{reason}."
    if room.read_only:
        return "Dieser Raum ist schreibgeschützt."
    return None


def room_ids(rooms: Sequence[ChatRoom]) -> set[int]:
    return {room.id for room in rooms}
