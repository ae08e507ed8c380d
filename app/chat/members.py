"""Who is in a room: the users who may read it (for @mentions, unread counts and fan-out)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action
from app.models import ChatRoom, Grant, User, room_partners, user_classes
from app.network.groups import members_of


async def room_members(
    session: AsyncSession, room: ChatRoom, usernames: Iterable[str] | None = None
) -> dict[int, User]:
    """Active users with the chat grant whose business belongs to the room, and every moderator.

    `usernames` (lower case) limits the answer to those, e.g. the names mentioned in a message.
    """
    query = (
        select(User, Grant.action)
        .join(user_classes, user_classes.c.user_id == User.id)
        .join(Grant, Grant.class_id == user_classes.c.class_id)
        .where(User.active, Grant.action.in_([Action.CHAT.value, Action.MODERATE.value]))
    )
    if usernames is not None:
        names = {name.lower() for name in usernames}
        if not names:
            return {}
        query = query.where(func.lower(User.username).in_(names))
    rows = await session.execute(query)
    users: dict[int, User] = {}
    moderators: set[int] = set()
    for user, action in rows:
        users[user.id] = user
        if action == Action.MODERATE:
            moderators.add(user.id)
    partners = await _partners_of(session, room)
    return {
        uid: user
        for uid, user in users.items()
        if uid in moderators or room.kind == "network" or (user.partner_id is not None and user.partner_id in partners)
    }


async def _partners_of(session: AsyncSession, room: ChatRoom) -> set[int]:
    if room.kind == "group":
        return {p.id for p in await members_of(session, room.group_id)} if room.group_id is not None else set()
    if room.kind == "partners":
        return set(await session.scalars(select(room_partners.c.partner_id).where(room_partners.c.room_id == room.id)))
    return set()
