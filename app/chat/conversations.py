"""Conversations: a partner's with the Zentrale staff who look after it, and direct ones between two
people who may work together. Made at first use; afterwards rooms like any other."""

from __future__ import annotations

from litestar.exceptions import NotFoundException
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Principal
from app.auth.principals import load_principal
from app.chat.access import may_chat
from app.models import ChatRoom, Partner, User, room_members, room_partners
from app.network.colleagues import may_concern, may_work_with


async def partner_conversation(session: AsyncSession, principal: Principal, number: int) -> ChatRoom:
    """The partner's conversation with the Zentrale; 404 for a partner the user does not look after."""
    partner = await session.scalar(select(Partner).where(Partner.number == number, Partner.active))
    if partner is None or not may_chat(principal) or not await may_concern(session, principal, partner.id):
        raise NotFoundException(f"Ein Gespräch mit Partner {number} gibt es für Sie nicht.")
    room = await session.scalar(
        select(ChatRoom)
        .join(room_partners, room_partners.c.room_id == ChatRoom.id)
        .where(ChatRoom.kind == "partner", ChatRoom.active, room_partners.c.partner_id == partner.id)
    )
    if room is None:
        room = ChatRoom(
            name=f"Gespräch {partner.number} {partner.name}"[:120], kind="partner", created_by_id=principal.user_id
        )
        session.add(room)
        await session.flush()
        await session.execute(insert(room_partners).values(room_id=room.id, partner_id=partner.id))
    return room


async def _may_talk(session: AsyncSession, principal: Principal, other: User) -> bool:
    """Either of the two may work with the other (a managing director and the territory manager)."""
    if await may_work_with(session, principal, other):
        return True
    theirs = await load_principal(session, other.id)
    me = await session.get(User, principal.user_id)
    return theirs is not None and me is not None and await may_work_with(session, theirs, me)


async def direct_conversation(session: AsyncSession, principal: Principal, username: str) -> ChatRoom:
    other = await session.scalar(select(User).where(User.username == username.strip().lower(), User.active))
    if (
        other is None
        or other.id == principal.user_id
        or not may_chat(principal)
        or not await _may_talk(session, principal, other)
    ):
        raise NotFoundException(f"Mit „{username}“ können Sie kein Gespräch führen.")
    mine = select(room_members.c.room_id).where(room_members.c.user_id == principal.user_id)
    room = await session.scalar(
        select(ChatRoom)
        .join(room_members, room_members.c.room_id == ChatRoom.id)
        .where(ChatRoom.kind == "direct", ChatRoom.id.in_(mine), room_members.c.user_id == other.id)
    )
    if room is None:
        me = await session.get(User, principal.user_id)
        name = f"{me.display_name if me else principal.username} · {other.display_name}"
        room = ChatRoom(name=name[:120], kind="direct", created_by_id=principal.user_id)
        session.add(room)
        await session.flush()
        await session.execute(
            insert(room_members),
            [{"room_id": room.id, "user_id": principal.user_id}, {"room_id": room.id, "user_id": other.id}],
        )
    return room
