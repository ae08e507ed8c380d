"""What moderators do to rooms: create them, mute a user, make a room read-only, pin, set retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.audit import record
from app.auth.permissions import Principal
from app.chat.access import is_moderator
from app.chat.service import ChatForbidden, ChatRefused
from app.db import Database
from app.models import ChatMessage, ChatMute, ChatRoom, Partner, User, room_partners, utcnow

MAX_MUTE_DAYS = 30
MAX_RETENTION_DAYS = 3650


def _moderator(principal: Principal) -> None:
    if not is_moderator(principal):
        raise ChatForbidden("Das dürfen nur Moderatoren.")


async def create_room(
    db: Database,
    principal: Principal,
    name: str,
    partner_numbers: list[int] | None,
    announcements_only: bool,
    client: str | None,
) -> ChatRoom:
    """A room for chosen partners, or for the whole network when `partner_numbers` is None."""
    _moderator(principal)
    title = " ".join(name.split())
    if not 3 <= len(title) <= 120:
        raise ChatRefused("Der Name braucht 3 bis 120 Zeichen.")
    async with db.transaction() as session:
        if await session.scalar(select(ChatRoom.id).where(ChatRoom.name == title, ChatRoom.active)):
            raise ChatRefused(f"Einen Raum „{title}“ gibt es schon.")
        partners: list[Partner] = []
        if partner_numbers is not None:
            partners = list(await session.scalars(select(Partner).where(Partner.number.in_(partner_numbers))))
            unknown = sorted(set(partner_numbers) - {p.number for p in partners})
            if unknown:
                raise ChatRefused(f"Unbekannte Partnernummern: {', '.join(map(str, unknown))}.")
            if not partners:
                raise ChatRefused("Bitte mindestens einen Partner angeben.")
        room = ChatRoom(
            name=title,
            kind="partners" if partner_numbers is not None else "network",
            announcements_only=announcements_only,
            created_by_id=principal.user_id,
        )
        session.add(room)
        await session.flush()
        for partner in partners:
            await session.execute(room_partners.insert().values(room_id=room.id, partner_id=partner.id))
        record(
            session,
            principal.user_id,
            "chat.room_created",
            object_type="chat_room",
            object_id=room.id,
            client=client,
            name=title,
            partners=sorted(p.number for p in partners),
            announcements_only=announcements_only,
        )
        return room


async def mute(
    db: Database, principal: Principal, room_id: int, username: str, minutes: int, reason: str, client: str | None
) -> ChatMute:
    _moderator(principal)
    if not 1 <= minutes <= MAX_MUTE_DAYS * 24 * 60:
        raise ChatRefused(f"Stummschalten für 1 Minute bis {MAX_MUTE_DAYS} Tage.")
    async with db.transaction() as session:
        room = await session.get(ChatRoom, room_id)
        user = await session.scalar(select(User).where(User.username == username.strip()))
        if room is None or user is None:
            raise ChatRefused("Raum oder Benutzer gibt es nicht.")
        entry = ChatMute(
            room_id=room.id,
            user_id=user.id,
            until=utcnow() + timedelta(minutes=minutes),
            reason=reason.strip()[:200],
            by_id=principal.user_id,
        )
        session.add(entry)
        record(
            session,
            principal.user_id,
            "chat.user_muted",
            object_type="chat_room",
            object_id=room.id,
            client=client,
            user=user.username,
            minutes=minutes,
            reason=entry.reason,
        )
        return entry


async def settings(
    db: Database,
    principal: Principal,
    room_id: int,
    read_only: bool,
    retention_days: int | None,
    client: str | None,
) -> dict[str, Any]:
    _moderator(principal)
    if retention_days is not None and not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise ChatRefused(f"Aufbewahrung 1 bis {MAX_RETENTION_DAYS} Tage, oder leer für unbegrenzt.")
    async with db.transaction() as session:
        room = await session.get(ChatRoom, room_id)
        if room is None:
            raise ChatRefused("Diesen Raum gibt es nicht.")
        before = {"read_only": room.read_only, "retention_days": room.retention_days}
        room.read_only, room.retention_days = read_only, retention_days
        after = {"read_only": read_only, "retention_days": retention_days}
        record(
            session,
            principal.user_id,
            "chat.room_settings",
            object_type="chat_room",
            object_id=room.id,
            client=client,
            before=before,
            after=after,
        )
        return {"room": room.id, **after}


async def pin(db: Database, principal: Principal, room_id: int, message_id: int | None, client: str | None) -> None:
    _moderator(principal)
    async with db.transaction() as session:
        room = await session.get(ChatRoom, room_id)
        if room is None:
            raise ChatRefused("Diesen Raum gibt es nicht.")
        if message_id is not None:
            message = await session.get(ChatMessage, message_id)
            if message is None or message.room_id != room.id or message.removed_at is not None:
                raise ChatRefused("Diese Nachricht gibt es in diesem Raum nicht.")
        room.pinned_message_id = message_id
        record(
            session,
            principal.user_id,
            "chat.pinned",
            object_type="chat_room",
            object_id=room.id,
            client=client,
            message=message_id,
        )
