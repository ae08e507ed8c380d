"""Signed-in sessions as records: listed for their user, ended by sign-out, by the user or by an admin.

The session store holds only a random handle; this table says whether that handle is
still good. So ending a session works the same with file and Redis stores, and the
store never needs to be searched by user.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.codes import new_handle
from app.db import Database
from app.models import UserSession, utcnow
from app.settings import Settings

SEEN_RESOLUTION = timedelta(minutes=1)


def signed_in_session(user_id: int, handle: str) -> dict[str, Any]:
    return {"uid": user_id, "sid": handle, "since": time.time()}


def pending_session(challenge_id: str) -> dict[str, Any]:
    return {"pending": challenge_id, "since": time.time()}


async def open_session(session: AsyncSession, user_id: int, factor: str, client: str | None, agent: str) -> str:
    handle = new_handle()
    session.add(
        UserSession(handle=handle, user_id=user_id, second_factor=factor, client=client, user_agent=agent[:300])
    )
    return handle


async def live_session(db: Database, data: dict[str, Any], settings: Settings) -> int | None:
    """The user of a signed-in session that is neither ended nor past its absolute lifetime."""
    uid, handle, since = data.get("uid"), data.get("sid"), data.get("since")
    if not isinstance(uid, int) or not isinstance(handle, str) or not isinstance(since, int | float):
        return None
    if time.time() - since > settings.session_absolute_hours * 3600:
        return None
    async with db.read() as session:
        record = (
            await session.execute(
                select(UserSession.id, UserSession.last_seen_at).where(
                    UserSession.handle == handle, UserSession.user_id == uid, UserSession.ended_at.is_(None)
                )
            )
        ).first()
    if record is None:
        return None
    now = utcnow()
    if now - record.last_seen_at > SEEN_RESOLUTION:
        async with db.transaction() as session:
            await session.execute(update(UserSession).where(UserSession.id == record.id).values(last_seen_at=now))
    return uid


async def end_sessions(
    session: AsyncSession,
    user_id: int,
    reason: str,
    *,
    handle: str | None = None,
    session_id: int | None = None,
    keep_handle: str | None = None,
) -> int:
    """End one session (by handle or id), or all of a user's but `keep_handle`; returns how many ended."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if handle is not None:
        query = query.where(UserSession.handle == handle)
    if session_id is not None:
        query = query.where(UserSession.id == session_id)
    if keep_handle is not None:
        query = query.where(UserSession.handle != keep_handle)
    result = await session.execute(query.values(ended_at=utcnow(), ended_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


async def open_sessions(session: AsyncSession, user_id: int, settings: Settings) -> list[UserSession]:
    idle_limit = utcnow() - timedelta(minutes=settings.session_idle_minutes)
    absolute_limit = utcnow() - timedelta(hours=settings.session_absolute_hours)
    rows = await session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at > idle_limit,
            UserSession.created_at > absolute_limit,
        )
        .order_by(UserSession.last_seen_at.desc())
    )
    return list(rows)
