"""What a process keeps between submissions: the group memberships."""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable

import pytest
from sqlalchemy import select

from app.db import Database
from app.models import Partner
from app.network import groups
from app.server import create_app
from app.settings import Settings
from tests.benchmark.test_benchmark_api import LAST_MONTH, api_as
from tests.support.server import serving


async def test_submissions_reuse_the_group_memberships_the_process_keeps(
    demo_sqlite: str, make_settings: Callable[..., Settings]
) -> None:
    """Computing them reads every group and partner: once per change of the network, not per submission."""
    async with (
        serving(create_app(make_settings(demo_sqlite))) as portal,
        await api_as(portal, demo_sqlite, "admin") as api,
    ):
        kept_after = []
        for i in range(3):
            answer = await api.put(f"/api/v1/partners/{1003 + i}/figures/{LAST_MONTH}", json={"revenue_new": 410_000.0})
            assert answer.status_code == 200, answer.text
            kept_after.append([found for _version, found in groups._kept.values()])
    first = kept_after[0]
    assert first and all(len(later) == len(first) and all(map(operator.is_, later, first)) for later in kept_after[1:])


async def test_memberships_read_in_a_session_holding_partners_are_not_kept_and_it_is_said(
    demo_sqlite: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The caller may have changed its own objects: they must not become the shared ones."""
    db = Database(demo_sqlite)
    try:
        async with db.read() as session:
            held = await session.scalar(select(Partner).limit(1))
            assert held is not None
            with caplog.at_level(logging.DEBUG, logger="app.network.groups"):
                found = await groups.memberships(session)
            assert held in {p for _, members in found.groups for p in members}
            assert all(kept is not found for _version, kept in groups._kept.values())
            assert "not kept" in caplog.text
    finally:
        await db.dispose()
