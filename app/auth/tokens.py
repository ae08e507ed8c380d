"""Personal access tokens: random, shown once, only their SHA-256 kept."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.models import AccessToken, User, utcnow

TOKEN_PREFIX = "ppt_"
LAST_USE_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(session: AsyncSession, user: User, name: str) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(AccessToken(user_id=user.id, name=name, prefix=token[:10], token_hash=_digest(token)))
    return token


async def user_id_for_token(session: AsyncSession, token: str) -> int | None:
    """The active user the token belongs to, else None. Reads only; see `authenticate_token`."""
    owner = await _owner(session, token)
    return owner[0] if owner else None


async def _owner(session: AsyncSession, token: str) -> tuple[int, int, datetime | None] | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        await session.execute(
            select(User.id, AccessToken.id, AccessToken.last_used_at)
            .join(User, User.id == AccessToken.user_id)
            .where(AccessToken.token_hash == _digest(token), AccessToken.revoked_at.is_(None), User.active)
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None


async def authenticate_token(db: Database, token: str) -> int | None:
    """The token's user, recording its use at most once a minute.

    Reading first keeps API calls off SQLite's write lock; only a stale `last_used_at` costs a write.
    """
    async with db.read() as session:
        owner = await _owner(session, token)
    if owner is None:
        return None
    user_id, token_id, last_used = owner
    now = utcnow()
    if last_used is None or now - last_used > LAST_USE_RESOLUTION:
        async with db.transaction() as session:
            await session.execute(update(AccessToken).where(AccessToken.id == token_id).values(last_used_at=now))
    return user_id


async def revoke_tokens(session: AsyncSession, user: User, prefix: str | None = None) -> int:
    """Revoke a user's tokens (those starting with `prefix`, or all); returns how many."""
    query = select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    tokens = [t for t in (await session.scalars(query)).all() if prefix is None or t.prefix.startswith(prefix[:10])]
    for t in tokens:
        t.revoked_at = utcnow()
    return len(tokens)
