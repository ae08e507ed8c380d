"""Chat actions: each checks membership and rights in its own transaction and returns what to emit.

Messages are stored before anyone is told (emit after commit): callers publish the
returned payloads only once the transaction has closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.audit import record
from app.auth.permissions import Principal
from app.chat.access import RoomClosed, is_moderator, muted_until, readable_rooms, room_for, write_refusal
from app.chat.members import room_members
from app.chat.text import EVERYONE, InvalidMessage, clean, mentioned, render
from app.db import Database
from app.events import Mentioned
from app.models import ChatMention, ChatMessage, ChatMessageEdit, ChatReadMarker, ChatRoom, User, utcnow

EDIT_WINDOW = timedelta(minutes=15)
PAGE_SIZE = 50
REMOVED_BY_MODERATION = "entfernt durch Moderation"
DELETED_BY_AUTHOR = "vom Verfasser gelöscht"


class ChatRefused(Exception):
    """A chat action that is not possible as asked (empty, too late, too many); the text says why (German)."""


class ChatForbidden(ChatRefused):
    """Not this user's to do: someone else's room or message, a moderator's act, muted, read-only."""


def payload(message: ChatMessage, author: User | None, members: dict[int, User]) -> dict[str, Any]:
    """A message as the clients get it (shared/CONTRACT.md `chat:message`, plus what the page needs)."""
    removed = None
    if message.removed_at is not None:
        removed = "author" if message.removed_by_id == message.author_id else "moderation"
    names = [u.username for u in members.values()]
    return {
        "room": message.room_id,
        "id": message.id,
        "author": author.display_name if author else "Partnerportal",
        "author_id": message.author_id,
        "body": "" if removed else message.body,
        "html": str(render(message.body, names))
        if not removed
        else (REMOVED_BY_MODERATION if removed == "moderation" else DELETED_BY_AUTHOR),
        "at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "removed": removed,
    }


async def _payloads(session: AsyncSession, room: ChatRoom, messages: list[ChatMessage]) -> list[dict[str, Any]]:
    names = set().union(*(mentioned(m.body) for m in messages)) if messages else set()
    members = await room_members(session, room, names)
    authors = {m.author_id for m in messages if m.author_id is not None}
    users = {u.id: u for u in await session.scalars(select(User).where(User.id.in_(authors)))} if authors else {}
    return [payload(m, users.get(m.author_id) if m.author_id else None, members) for m in messages]


async def _writable(session: AsyncSession, principal: Principal, room_id: int) -> ChatRoom:
    try:
        room = await room_for(session, principal, room_id)
    except RoomClosed as exc:
        raise ChatForbidden(str(exc.detail)) from exc
    refusal = write_refusal(room, principal, await muted_until(session, room.id, principal.user_id, utcnow()))
    if refusal:
        raise ChatForbidden(refusal)
    return room


@dataclass(frozen=True)
class Sent:
    payload: dict[str, Any]  # for `chat:message`
    mentioned: Mentioned | None  # for the notification centre (app.events)


async def send(db: Database, principal: Principal, room_id: int, body: object) -> Sent:
    """Store a message with its mentions; returns its payload for `chat:message` and who was named.

    Who may write, and who is mentioned, are read before the write (as a submission's
    permissions are): SQLite's one write turn is then held for the inserts alone, not for
    reads that wait for a busy event loop between statements.
    """
    try:
        text = clean(body)
    except InvalidMessage as exc:
        raise ChatRefused(str(exc)) from exc
    names = mentioned(text)
    async with db.read() as session:
        room = await _writable(session, principal, room_id)
        if EVERYONE in names and not is_moderator(principal):
            raise ChatForbidden("@alle dürfen nur Moderatoren verwenden.")
        members = await room_members(session, room, names)
        author = await session.get(User, principal.user_id)
    message = ChatMessage(room_id=room.id, author_id=principal.user_id, body=text, mentions_all=EVERYONE in names)
    to_mention = [u.id for u in members.values() if u.username.lower() in names and u.id != principal.user_id]
    await db.write(partial(_store, message, to_mention))
    named = Mentioned(tuple(to_mention), room.id, room.name, message.id, principal.display_name) if to_mention else None
    return Sent(payload(message, author, members), named)


def _store(message: ChatMessage, to_mention: list[int], session: Session) -> None:
    session.add(message)
    session.flush()
    session.add_all(ChatMention(message_id=message.id, user_id=user_id) for user_id in to_mention)
    assert message.author_id is not None
    marker = session.get(ChatReadMarker, (message.author_id, message.room_id))
    if marker is None:
        session.add(ChatReadMarker(user_id=message.author_id, room_id=message.room_id, last_read_id=message.id))
    elif message.id > marker.last_read_id:
        marker.last_read_id = message.id


async def history(
    db: Database, principal: Principal, room_id: int, before: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[dict[str, Any]], bool]:
    """A page of messages older than `before` (oldest first) and whether there are older ones."""
    async with db.read() as session:
        room = await room_for(session, principal, room_id)
        query = select(ChatMessage).where(ChatMessage.room_id == room.id)
        if before is not None:
            query = query.where(ChatMessage.id < before)
        found = list(await session.scalars(query.order_by(ChatMessage.id.desc()).limit(limit + 1)))
        page = found[:limit][::-1]
        return await _payloads(session, room, page), len(found) > limit


async def since(db: Database, principal: Principal, room_id: int, after: int) -> list[dict[str, Any]]:
    """Everything after message `after`: what a client missed while disconnected."""
    async with db.read() as session:
        room = await room_for(session, principal, room_id)
        found = list(
            await session.scalars(
                select(ChatMessage)
                .where(ChatMessage.room_id == room.id, ChatMessage.id > after)
                .order_by(ChatMessage.id)
                .limit(500)
            )
        )
        return await _payloads(session, room, found)


async def _own_recent(session: AsyncSession, principal: Principal, message_id: int, verb: str) -> ChatMessage:
    message = await session.get(ChatMessage, message_id)
    if message is None:
        raise ChatRefused("Diese Nachricht gibt es nicht.")
    await _writable(session, principal, message.room_id)
    if message.author_id != principal.user_id:
        raise ChatForbidden(f"Nur eigene Nachrichten lassen sich {verb}.")
    if message.removed_at is not None:
        raise ChatRefused("Die Nachricht ist schon entfernt.")
    if utcnow() - message.created_at > EDIT_WINDOW:
        raise ChatRefused(f"Nachrichten lassen sich nur in den ersten 15 Minuten {verb}.")
    return message


async def edit(db: Database, principal: Principal, message_id: int, body: object) -> dict[str, Any]:
    """Change an own message within 15 minutes; the earlier text is kept."""
    async with db.transaction() as session:
        message = await _own_recent(session, principal, message_id, "bearbeiten")
        try:
            text = clean(body)
        except InvalidMessage as exc:
            raise ChatRefused(str(exc)) from exc
        if text == message.body:
            raise ChatRefused("Der Text ist unverändert.")
        session.add(ChatMessageEdit(message_id=message.id, body=message.body))
        message.body, message.edited_at = text, utcnow()
        room = await session.get(ChatRoom, message.room_id)
        assert room is not None
        return (await _payloads(session, room, [message]))[0]


async def delete_own(db: Database, principal: Principal, message_id: int) -> dict[str, Any]:
    async with db.transaction() as session:
        message = await _own_recent(session, principal, message_id, "löschen")
        message.removed_at, message.removed_by_id = utcnow(), principal.user_id
        room = await session.get(ChatRoom, message.room_id)
        assert room is not None
        return (await _payloads(session, room, [message]))[0]


async def remove(db: Database, principal: Principal, message_id: int, client: str | None) -> dict[str, Any]:
    """A moderator takes any message out of the room; its text stays for the audit log."""
    if not is_moderator(principal):
        raise ChatForbidden("Nur Moderatoren entfernen Nachrichten anderer.")
    async with db.transaction() as session:
        message = await session.get(ChatMessage, message_id)
        if message is None or message.removed_at is not None:
            raise ChatRefused("Diese Nachricht gibt es nicht (mehr).")
        message.removed_at, message.removed_by_id = utcnow(), principal.user_id
        record(
            session,
            principal.user_id,
            "chat.message_removed",
            object_type="chat_message",
            object_id=message.id,
            client=client,
            room=message.room_id,
            author=message.author_id,
            body=message.body,
        )
        room = await session.get(ChatRoom, message.room_id)
        assert room is not None
        return (await _payloads(session, room, [message]))[0]


async def _mark(session: AsyncSession, user_id: int, room_id: int, message_id: int) -> None:
    marker = await session.get(ChatReadMarker, (user_id, room_id))
    if marker is None:
        session.add(ChatReadMarker(user_id=user_id, room_id=room_id, last_read_id=message_id))
    elif message_id > marker.last_read_id:
        marker.last_read_id = message_id


async def mark_read(db: Database, principal: Principal, room_id: int, message_id: int) -> None:
    async with db.transaction() as session:
        await room_for(session, principal, room_id)
        newest = await session.scalar(select(func.max(ChatMessage.id)).where(ChatMessage.room_id == room_id))
        await _mark(session, principal.user_id, room_id, min(message_id, newest or 0))


@dataclass(frozen=True)
class Unread:
    messages: int
    mentions: int


async def unread(session: AsyncSession, principal: Principal, rooms: list[ChatRoom]) -> dict[int, Unread]:
    """Per room: messages of others after the user's last-read marker, and how many of them mention the user."""
    ids = [r.id for r in rooms]
    if not ids:
        return {}
    markers = dict(
        (
            await session.execute(
                select(ChatReadMarker.room_id, ChatReadMarker.last_read_id).where(
                    ChatReadMarker.user_id == principal.user_id, ChatReadMarker.room_id.in_(ids)
                )
            )
        ).all()
    )
    result = {}
    for room_id in ids:
        last = markers.get(room_id, 0)
        fresh = (
            select(func.count())
            .select_from(ChatMessage)
            .where(
                ChatMessage.room_id == room_id,
                ChatMessage.id > last,
                ChatMessage.removed_at.is_(None),
                (ChatMessage.author_id != principal.user_id) | ChatMessage.author_id.is_(None),
            )
        )
        mentions = (
            select(func.count())
            .select_from(ChatMention)
            .join(ChatMessage, ChatMessage.id == ChatMention.message_id)
            .where(
                ChatMessage.room_id == room_id,
                ChatMessage.id > last,
                ChatMessage.removed_at.is_(None),
                ChatMention.user_id == principal.user_id,
            )
        )
        everyone = (
            select(func.count())
            .select_from(ChatMessage)
            .where(
                ChatMessage.room_id == room_id,
                ChatMessage.id > last,
                ChatMessage.removed_at.is_(None),
                ChatMessage.mentions_all,
                ChatMessage.author_id != principal.user_id,
            )
        )
        result[room_id] = Unread(
            await session.scalar(fresh) or 0,
            (await session.scalar(mentions) or 0) + (await session.scalar(everyone) or 0),
        )
    return result


async def search(
    db: Database, principal: Principal, query: str, limit: int = 50
) -> list[tuple[ChatRoom, dict[str, Any]]]:
    """Messages containing `query` in the rooms the user may read, and only those; newest first."""
    words = query.strip()
    if len(words) < 2:
        raise ChatRefused("Bitte mindestens zwei Zeichen eingeben.")
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    async with db.read() as session:
        rooms = {r.id: r for r in await readable_rooms(session, principal)}
        if not rooms:
            return []
        found = list(
            await session.scalars(
                select(ChatMessage)
                .where(
                    ChatMessage.room_id.in_(rooms),
                    ChatMessage.removed_at.is_(None),
                    ChatMessage.body.ilike(pattern, escape="\\"),
                )
                .order_by(ChatMessage.id.desc())
                .limit(limit)
            )
        )
        out = []
        for message in found:
            out.append((rooms[message.room_id], (await _payloads(session, rooms[message.room_id], [message]))[0]))
        return out


async def system_note(db: Database, group_id: int, text: str) -> list[dict[str, Any]]:
    """A note of the portal in the rooms of a comparison group (e.g. how many have reported)."""
    async with db.transaction() as session:
        rooms = list(await session.scalars(select(ChatRoom).where(ChatRoom.group_id == group_id, ChatRoom.active)))
        notes = []
        for room in rooms:
            message = ChatMessage(room_id=room.id, author_id=None, body=text)
            session.add(message)
            await session.flush()
            notes.append(payload(message, None, {}))
        return notes
