"""What a process keeps between submissions: the histories a release wrote (exactly as the database
holds them) and the group memberships."""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmark import contributions
from app.db import Database
from app.models import GroupRelease, Partner
from app.network import groups
from app.server import create_app
from app.settings import Settings
from kpi.months import parse_month
from tests.benchmark.test_benchmark_api import LAST_MONTH, api_as, group_id
from tests.support.server import serving


async def test_the_histories_kept_after_a_release_are_those_stored_with_it(
    demo_sqlite: str, make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    read_from_database: list[dict[str, contributions.CellHistory]] = []  # what the releases read back
    load = contributions.load_histories

    async def load_and_note(session: AsyncSession, release_id: int) -> dict[str, contributions.CellHistory]:
        read_from_database.append(await load(session, release_id))
        return read_from_database[-1]

    monkeypatch.setattr(contributions, "load_histories", load_and_note)
    async with (
        serving(create_app(make_settings(demo_sqlite))) as portal,
        await api_as(portal, demo_sqlite, "admin") as api,
    ):
        for i in range(9):  # the month's first release, then re-releases: each needs three changed partners
            answer = await api.put(
                f"/api/v1/partners/{1003 + i}/figures/{LAST_MONTH}", json={"revenue_new": 400_000.0 + i}
            )
            assert answer.status_code == 200, answer.text
    db = Database(demo_sqlite)
    try:
        async with db.read() as session:
            release = await session.scalar(
                select(GroupRelease).where(
                    GroupRelease.group_id == everyone,
                    GroupRelease.period == parse_month(LAST_MONTH),
                    GroupRelease.span == "month",
                )
            )
            assert release is not None
            stored = await contributions.load_histories(session, release.id)
    finally:
        await db.dispose()
    kept = contributions._histories.get((release.id, release.released_at))
    assert kept is not None, "the last release's histories were not kept"
    assert all(kept is not read for read in read_from_database), "kept by reading them back, not by the release"
    assert sorted(kept) == sorted(stored)
    for key, history in stored.items():
        np.testing.assert_array_equal(kept[key].ids, history.ids)
        np.testing.assert_array_equal(kept[key].matrix, history.matrix)  # NaN where a partner had no value
    assert any(len(h.matrix) > 1 for h in stored.values())  # re-released, not only the first release


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
