"""Checking credentials and recording the attempt in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.passwords import verify_password
from app.models import AuditEvent, User, utcnow


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


async def sign_in(session: AsyncSession, credentials: Credentials, *, client: str | None) -> int | None:
    """The user's id when name and password match an active, unlocked account; None otherwise."""
    user = await session.scalar(select(User).where(User.username == credentials.username))
    ok = verify_password(user.password_hash if user else None, credentials.password)
    usable = user is not None and user.active and (user.locked_until is None or user.locked_until < utcnow())
    if user is not None and ok and usable:
        user.last_login_at = utcnow()
        session.add(AuditEvent(actor_id=user.id, action="login.password_ok", client=client))
        return user.id
    session.add(
        AuditEvent(
            actor_id=user.id if user else None,
            action="login.failed",
            client=client,
            detail={"username": credentials.username[:60]},
        )
    )
    return None
