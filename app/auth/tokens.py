"""Personal access tokens: random, shown once, only their SHA-256 kept."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AccessToken, User, utcnow

TOKEN_PREFIX = "ppt_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(session: AsyncSession, user: User, name: str) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(AccessToken(user_id=user.id, name=name, prefix=token[:10], token_hash=_digest(token)))
    return token


async def user_id_for_token(session: AsyncSession, token: str) -> int | None:
    """The active user the token belongs to (recording its use), else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        await session.execute(
            select(AccessToken, User)
            .join(User, User.id == AccessToken.user_id)
            .where(AccessToken.token_hash == _digest(token), AccessToken.revoked_at.is_(None), User.active)
        )
    ).first()
    if row is None:
        return None
    access: AccessToken = row.AccessToken
    user: User = row.User
    access.last_used_at = utcnow()
    return user.id


async def revoke_tokens(session: AsyncSession, user: User, prefix: str | None = None) -> int:
    """Revoke a user's tokens (those starting with `prefix`, or all); returns how many."""
    query = select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    tokens = [t for t in (await session.scalars(query)).all() if prefix is None or t.prefix.startswith(prefix[:10])]
    for t in tokens:
        t.revoked_at = utcnow()
    return len(tokens)
