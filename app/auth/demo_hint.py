"""The login screen's demo hint: shown only while the contract's demo users still carry their demo numbers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.people import DEMO_PASSWORD, ZENTRALE_USERS, partner_users
from app.models import User

DEMO_PEOPLE = [*ZENTRALE_USERS, *partner_users(1001, ""), partner_users(1002, "")[0]]


async def demo_hint(session: AsyncSession) -> dict[str, object] | None:
    expected = {p.username: p.phone for p in DEMO_PEOPLE}
    rows = (await session.execute(select(User.username, User.phone).where(User.username.in_(expected)))).all()
    # A real installation that happens to have an "admin" must never show its number here.
    if len(rows) != len(expected) or any(expected[name] != phone for name, phone in rows):
        return None
    return {"password": DEMO_PASSWORD, "users": [(p.username, p.phone) for p in DEMO_PEOPLE]}
