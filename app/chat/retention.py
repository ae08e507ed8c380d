"""Retention: each room's messages older than the days the Zentrale set are deleted, hourly while serving."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app.audit import record
from app.db import Database
from app.models import ChatMessage, ChatRoom, utcnow

logger = logging.getLogger(__name__)


async def purge_expired(db: Database, now: datetime | None = None) -> int:
    """Delete messages older than their room's retention; returns how many went."""
    moment = now or utcnow()
    removed = 0
    async with db.transaction() as session:
        rooms = list(await session.scalars(select(ChatRoom).where(ChatRoom.retention_days.is_not(None))))
        for room in rooms:
            assert room.retention_days is not None
            cutoff = moment - timedelta(days=room.retention_days)
            result = await session.execute(
                delete(ChatMessage).where(ChatMessage.room_id == room.id, ChatMessage.created_at < cutoff)
            )
            removed += int(getattr(result, "rowcount", 0) or 0)
            if room.pinned_message_id is not None:
                still = await session.get(ChatMessage, room.pinned_message_id)
                if still is None:
                    await session.execute(update(ChatRoom).where(ChatRoom.id == room.id).values(pinned_message_id=None))
        if removed:
            record(session, None, "chat.retention", count=removed)
    return removed


def retention_job(db: Database) -> Callable[[], Awaitable[int]]:
    """The scheduled job (app.scheduling): remove the messages whose room's retention has run out."""

    async def job() -> int:
        removed = await purge_expired(db)
        if removed:
            logger.info("chat retention removed %s messages", removed)
        return removed

    return job
