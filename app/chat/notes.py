"""System notes in a comparison group's room, e.g. after new group figures were released."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from litestar.datastructures import State
from sqlalchemy import select

from app.chat import service
from app.models import ChatMessage, ChatRoom, utcnow

# A large group re-releases every few submissions; its room gets at most one such note per
# month and hour, and one more when everyone has reported.
NOTE_INTERVAL = timedelta(hours=1)


async def reporting_note(state: State, group_id: int, month: date, reported: int, members: int) -> None:
    """„28 von 31 Partnern haben für 10/2026 gemeldet“ in the group's room, stored, then sent.

    `reported`: members who reported the month, as the release that calls this counted them, of
    its `members`. The time of the room's latest such note is kept per process: within the
    interval after it, only the note for everyone having reported needs a look into the room.
    """
    if reported < state.settings.min_contributors:
        return  # too few for any group figure: nothing to announce yet
    subject = f"für {month:%m/%Y} gemeldet"
    latest: dict[tuple[int, date], datetime] = state.setdefault("reporting_notes_latest", {})
    since = utcnow() - NOTE_INTERVAL
    if reported < members and latest.get((group_id, month), since) > since:
        return  # most releases of a large group: no session, no round trip
    async with state.db.read() as session:
        recent = list(
            await session.execute(
                select(ChatMessage.body, ChatMessage.created_at)
                .join(ChatRoom, ChatRoom.id == ChatMessage.room_id)
                .where(
                    ChatRoom.group_id == group_id,
                    ChatMessage.author_id.is_(None),
                    ChatMessage.body.contains(subject),
                    ChatMessage.created_at > since,
                )
            )
        )
    text = f"{reported} von {members} Partnern haben {subject}; die Gruppenwerte sind aktualisiert."
    if recent:
        latest[(group_id, month)] = max(at for _, at in recent)
        if reported < members or text in {body for body, _ in recent}:
            return
    for note in await service.system_note(state.db, group_id, text):
        latest[(group_id, month)] = utcnow()
        await state.publisher.chat_message(note["room"], note)
