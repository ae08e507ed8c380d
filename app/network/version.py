"""A change count of the network (territories, partners, groups and their listed members, and the
market data by area).

Every flush that adds, changes or removes one of them raises the count in the same
transaction (app.models.network), so a process may keep what it derived from the network
(the group memberships; per member list, their market data) for as long as the count it reads
stays the same, even with several workers.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import NetworkVersion


async def network_version(session: AsyncSession) -> int | None:
    """The current count; None where the database has no count row (nothing may then be kept)."""
    return await session.scalar(select(NetworkVersion.version).where(NetworkVersion.id == 1))
