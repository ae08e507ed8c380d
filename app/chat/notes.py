"""System notes in a comparison group's room, e.g. after new group figures were released."""

from __future__ import annotations

from datetime import date, timedelta

from litestar.datastructures import State
from sqlalchemy import func, select

from app.chat import service
from app.models import ChatMessage, ChatRoom, MonthReport, utcnow
from app.network.groups import members_of

# A large group re-releases every few submissions; its room gets at most one such note per
# month and hour, and one more when everyone has reported.
NOTE_INTERVAL = timedelta(hours=1)


async def reporting_note(state: State, group_id: int, month: date) -> None:
    """„28 von 31 Partnern haben für 10/2026 gemeldet“ in the group's room, stored, then sent."""
    subject = f"für {month:%m/%Y} gemeldet"
    async with state.db.read() as session:
        members = await members_of(session, group_id)
        reported = await session.scalar(
            select(func.count())
            .select_from(MonthReport)
            .where(MonthReport.month == month, MonthReport.partner_id.in_([p.id for p in members]))
        )
        recent = list(
            await session.scalars(
                select(ChatMessage.body)
                .join(ChatRoom, ChatRoom.id == ChatMessage.room_id)
                .where(
                    ChatRoom.group_id == group_id,
                    ChatMessage.author_id.is_(None),
                    ChatMessage.body.contains(subject),
                    ChatMessage.created_at > utcnow() - NOTE_INTERVAL,
                )
            )
        )
    if not reported or reported < state.settings.min_contributors:
        return  # too few for any group figure: nothing to announce yet
    text = f"{reported} von {len(members)} Partnern haben {subject}; die Gruppenwerte sind aktualisiert."
    if recent and (reported < len(members) or text in recent):
        return
    for note in await service.system_note(state.db, group_id, text):
        await state.publisher.chat_message(note["room"], note)
