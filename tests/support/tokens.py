"""Personal access tokens for tests, made the way `portal token create` makes them."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.tokens import create_token
from app.db import Database
from app.models import User


async def token_for(database_url: str, username: str) -> str:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            user = await session.scalar(select(User).where(User.username == username))
            assert user is not None, username
            return await create_token(session, user, "test")
    finally:
        await db.dispose()
