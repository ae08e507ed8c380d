"""System notes in a comparison group's room, e.g. after new group figures were released."""

from __future__ import annotations

from datetime import date

from litestar.datastructures import State
from sqlalchemy import func, select

from app.chat import service
from app.models import MonthReport
from app.network.groups import groups_with_members


async def reporting_note(state: State, group_id: int, month: date) -> None:
    """„28 von 31 Partnern haben für 10/2026 gemeldet“ in the group's room, stored, then sent."""
    async with state.db.read() as session:
        members = next((m for g, m in await groups_with_members(session) if g.id == group_id), [])
        reported = await session.scalar(
            select(func.count())
            .select_from(MonthReport)
            .where(MonthReport.month == month, MonthReport.partner_id.in_([p.id for p in members]))
        )
    if not reported or reported < state.settings.min_contributors:
        return  # too few for any group figure: nothing to announce yet
    text = (
        f"{reported} von {len(members)} Partnern haben für {month:%m/%Y} gemeldet; die Gruppenwerte sind aktualisiert."
    )
    for note in await service.system_note(state.db, group_id, text):
        await state.publisher.chat_message(note["room"], note)
