"""Personal access tokens: random, shown once, only their SHA-256 kept."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import partial
from weakref import WeakKeyDictionary

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.db import Database
from app.models import AccessToken, User, utcnow

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "ppt_"
SHOWN_PREFIX = 10  # characters of a token kept and shown to tell it from the user's others
LAST_USE_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(session: AsyncSession, user: User, name: str) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(AccessToken(user_id=user.id, name=name, prefix=token[:SHOWN_PREFIX], token_hash=_digest(token)))
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

    Reading first keeps API calls off SQLite's write lock; a stale `last_used_at` is written
    after the request, together with the other tokens used meanwhile (`TokenUses`).
    """
    async with db.read() as session:
        return await token_user(session, db, token)


async def token_user(session: AsyncSession, db: Database, token: str) -> int | None:
    """`authenticate_token` in the caller's read session (one session for the token and the principal)."""
    owner = await _owner(session, token)
    if owner is None:
        return None
    user_id, token_id, last_used = owner
    now = utcnow()
    if last_used is None or now - last_used > LAST_USE_RESOLUTION:
        _uses_of(db).note(token_id, now)
    return user_id


class TokenUses:
    """Last uses of tokens waiting to be written: one transaction for all used within a moment.

    1,000 partners' programs each calling once a minute would otherwise be 1,000 write
    transactions a minute, each queueing behind (and delaying) the submissions. A use not
    yet written when the process stops is lost; the next call records it again.
    """

    GATHER_S = 1.0

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pending: dict[int, datetime] = {}
        self.task: asyncio.Task[None] | None = None

    def note(self, token_id: int, at: datetime) -> None:
        self.pending[token_id] = at
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while self.pending:
            await asyncio.sleep(self.GATHER_S)
            batch, self.pending = self.pending, {}
            try:
                # In one go (Database.write): through aiosqlite, each statement's thread hops under
                # load kept SQLite's one write turn for a third of a second from the submissions.
                await self.db.write(partial(_record_uses, batch))
            except Exception:  # the database away: the uses are a courtesy, the calls were answered
                logger.warning("could not record the last use of %d tokens", len(batch), exc_info=True)


def _record_uses(batch: dict[int, datetime], session: Session) -> None:
    session.execute(update(AccessToken), [{"id": token_id, "last_used_at": at} for token_id, at in batch.items()])


_uses: WeakKeyDictionary[Database, TokenUses] = WeakKeyDictionary()


def _uses_of(db: Database) -> TokenUses:
    found = _uses.get(db)
    if found is None:
        found = _uses[db] = TokenUses(db)
    return found


async def revoke_tokens(session: AsyncSession, user: User, prefix: str | None = None) -> int:
    """Revoke a user's tokens (those starting with `prefix`, or all); returns how many."""
    query = select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    tokens = [
        t for t in (await session.scalars(query)).all() if prefix is None or t.prefix.startswith(prefix[:SHOWN_PREFIX])
    ]
    for t in tokens:
        t.revoked_at = utcnow()
    return len(tokens)
