"""The last use of an access token is recorded (shown on the account page), off the request's path."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from app.db import Database
from app.models import AccessToken
from tests.support.tokens import token_for


async def last_uses(database_url: str) -> dict[str, object]:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return {t.prefix: t.last_used_at for t in await session.scalars(select(AccessToken))}
    finally:
        await db.dispose()


async def test_every_token_used_gets_its_last_use_recorded_within_seconds(portal: str, demo_sqlite: str) -> None:
    tokens = [await token_for(demo_sqlite, user) for user in ("gf1001", "gf1002", "admin")]
    assert all(used is None for used in (await last_uses(demo_sqlite)).values())
    async with httpx.AsyncClient(base_url=portal) as client:
        answers = await asyncio.gather(
            *(client.get("/api/v1/metrics", headers={"Authorization": f"Bearer {t}"}) for t in tokens)
        )
        assert [a.status_code for a in answers] == [200, 200, 200]
        for _ in range(50):
            uses = await last_uses(demo_sqlite)
            if all(uses[t[:10]] is not None for t in tokens):
                break
            await asyncio.sleep(0.1)
    assert all(uses[t[:10]] is not None for t in tokens), uses
