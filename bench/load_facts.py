"""What bench/load.py reads from the portal's database (in-process, beside the server): the network
before the run, and afterwards what was stored and which releases took which submission."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import numpy as np
from app.benchmark.contributions import load_histories
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.models import ChatRoom, Figure, FigureRevision, GroupRelease, Metric, MonthReport
from app.models import ReleaseContribution as Contribution
from app.network.groups import groups_with_members

KEY = "revenue_new"  # the entered metric every submission changes; a KPI of its own, so its cell is re-released
T = TypeVar("T")


def _read(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(url)
        try:
            async with db.read() as session:
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(run())


@dataclass(frozen=True)
class Network:
    period: date
    base: dict[int, float]  # partner no -> its value of KEY in the period (partners that reported it)
    partner_ids: dict[int, int]  # partner no -> id
    groups: dict[int, tuple[str, frozenset[int]]]  # group id -> name, partner numbers of its members
    chat_room: int  # the room of the network-wide group


def read_network(url: str, period: date) -> Network:
    async def work(session: AsyncSession) -> Network:
        groups = await groups_with_members(session)
        rows = await session.execute(
            select(Figure.partner_id, Figure.value)
            .join(Metric, Metric.id == Figure.metric_id)
            .where(Metric.key == KEY, Figure.month == period)
        )
        values = dict(rows.tuples().all())
        ids = {p.number: p.id for _, members in groups for p in members}
        network_wide = next(g.id for g, _ in groups if g.kind == "all")
        room = await session.scalar(select(ChatRoom.id).where(ChatRoom.group_id == network_wide))
        if room is None:
            raise SystemExit("the network-wide group has no chat room")
        return Network(
            period,
            # A zero stays zero when changed by a factor: no revision, so such partners do not submit.
            {no: values[i] for no, i in sorted(ids.items()) if values.get(i, 0) > 100},
            ids,
            {g.id: (g.name, frozenset(p.number for p in members)) for g, members in groups},
            room,
        )

    return _read(url, work)


@dataclass(frozen=True)
class Snapshot:
    revisions: int  # replaced values of KEY in the period (one per stored change)
    report_revisions: int  # sum of the period's month report revisions
    releases: dict[int, int]  # group id -> releases of KEY's cell in the period so far


def snapshot(url: str, network: Network) -> Snapshot:
    async def work(session: AsyncSession) -> Snapshot:
        revisions = await session.scalar(
            select(func.count())
            .select_from(FigureRevision)
            .join(Figure, Figure.id == FigureRevision.figure_id)
            .join(Metric, Metric.id == Figure.metric_id)
            .where(Metric.key == KEY, Figure.month == network.period)
        )
        reports = await session.scalar(
            select(func.coalesce(func.sum(MonthReport.revision), 0)).where(MonthReport.month == network.period)
        )
        releases = await session.execute(
            select(GroupRelease.group_id, func.count(Contribution.id))
            .join(Contribution, Contribution.release_id == GroupRelease.id)
            .where(GroupRelease.period == network.period, GroupRelease.span == "month", Contribution.key == KEY)
            .group_by(GroupRelease.group_id)
        )
        return Snapshot(int(revisions or 0), int(reports or 0), dict(releases.tuples().all()))

    return _read(url, work)


def stored_values(url: str, network: Network) -> dict[int, float]:
    """Partner no -> the stored value of KEY in the period."""

    async def work(session: AsyncSession) -> dict[int, float]:
        rows = await session.execute(
            select(Figure.partner_id, Figure.value)
            .join(Metric, Metric.id == Figure.metric_id)
            .where(Metric.key == KEY, Figure.month == network.period)
        )
        numbers = {i: no for no, i in network.partner_ids.items()}
        return {numbers[i]: v for i, v in rows.tuples() if i in numbers}

    return _read(url, work)


@dataclass(frozen=True)
class ReleaseHistory:
    """Every release of KEY's cell of one group: `matrix[r, c]` is partner `numbers[c]`'s value in release r."""

    numbers: np.ndarray
    matrix: np.ndarray

    def first_with(self, number: int, value: float, start: int) -> int | None:
        """The first release from `start` on that shows this partner's value (None: none does)."""
        column = np.searchsorted(self.numbers, number)
        if column >= len(self.numbers) or self.numbers[column] != number:
            return None
        hits = np.flatnonzero(np.isclose(self.matrix[start:, column], value, rtol=1e-12, atol=0))
        return start + int(hits[0]) if len(hits) else None


def release_histories(url: str, network: Network) -> dict[int, ReleaseHistory]:
    async def work(session: AsyncSession) -> dict[int, ReleaseHistory]:
        releases = await session.execute(
            select(GroupRelease.group_id, GroupRelease.id).where(
                GroupRelease.period == network.period, GroupRelease.span == "month"
            )
        )
        numbers = {i: no for no, i in network.partner_ids.items()}
        found = {}
        for group_id, release_id in releases.tuples().all():
            history = (await load_histories(session, release_id)).get(KEY)
            if history is None:
                continue
            as_numbers = np.array([numbers.get(int(i), -1) for i in history.ids])
            order = np.argsort(as_numbers)
            found[group_id] = ReleaseHistory(as_numbers[order], history.matrix[:, order])
        return found

    return _read(url, work)
