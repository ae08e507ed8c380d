"""After a submission is committed: the partner's own KPIs go out at once, then each of its groups' figures.

A release costs about what reading the group's figures costs (kpi.cellkey needs no
history), so every submission releases its groups. Submissions that arrive while their
group's release is being computed are served by one more release after it, computed
from the figures as they are then: a burst costs a few releases, and none is lost.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Hashable
from datetime import date
from typing import Any

from litestar.datastructures import State

from app.benchmark.data import Exposure, exposures, load_engine, metric_info
from app.benchmark.release import Reading, public_cell, reading_now, released
from app.benchmark.service import partner_kpis
from app.db import CANNOT_SERVE
from app.events import FiguresReleased
from app.models import ComparisonGroup, Metric, Partner
from app.network.groups import groups_of_partner
from app.server_timing import timed
from kpi.anonymity import AnonymityPolicy
from kpi.benchmark import Engine
from kpi.cellkey import Perturbation
from kpi.months import format_month
from kpi.periods import Span

logger = logging.getLogger(__name__)


async def engine_of(state: State) -> Engine:
    """The KPI engine of the stored catalogue, compiled once per process."""
    engine: Engine | None = state.get("kpi_engine")
    if engine is None:
        settings = state.settings
        policy = AnonymityPolicy(settings.min_contributors, settings.max_share, settings.max_top2_share)
        perturbation = Perturbation.for_margin(settings.anonymity_margin)
        async with state.db.read() as session:
            engine = await load_engine(session, policy, perturbation)
        state.kpi_engine = engine
    return engine


class Coalescer:
    """One run per key at a time; calls arriving meanwhile are served by one more run after it.

    The caller that starts a run waits for its own job only: the run again, for the calls that
    came meanwhile, goes on in a task of its own (a submitter does not wait for the others'
    releases, nor are they in its `Server-Timing`). The job is told whether it runs again
    (`again`): then it must read afresh what its caller read before it began."""

    def __init__(self) -> None:
        self._again: dict[Hashable, bool] = {}
        self._idle: dict[Hashable, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, key: Hashable, job: Callable[[bool], Awaitable[None]]) -> None:
        if key in self._again:
            self._again[key] = True
            return
        self._again[key] = False
        self._idle[key] = asyncio.Event()
        try:
            await job(False)
        finally:
            if self._again[key]:
                task = asyncio.create_task(self._run_again(key, job), context=contextvars.Context())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                self._end(key)

    async def _run_again(self, key: Hashable, job: Callable[[bool], Awaitable[None]]) -> None:
        try:
            while self._again[key]:
                self._again[key] = False
                await job(True)
        finally:
            self._end(key)

    def _end(self, key: Hashable) -> None:
        del self._again[key]
        self._idle.pop(key).set()

    async def settled(self) -> None:
        """Until every run has ended (tests, shutdown)."""
        while self._idle:
            await next(iter(self._idle.values())).wait()


async def publish_submission(
    state: State, partner_id: int, month: date, metrics: dict[str, Metric] | None = None
) -> dict[str, float] | None:
    """Emit `kpi:own`, then release the partner's groups for the month (`kpi:update`, notes).

    Runs after the figures are durable (emit after commit); a client that missed an
    event re-fetches over HTTP. Returns the partner's KPIs, or None when they could not be
    read now (database away or overloaded): the submission is stored all the same, and
    the submitter must not see an error for a saved month. `metrics`: `metric_info` as the
    caller has just read it.
    """
    try:
        with timed("own"):
            engine = await engine_of(state)
            async with state.db.read() as session:
                partner = await session.get(Partner, partner_id)
                if partner is None:
                    return {}
                kpis = await partner_kpis(session, engine, partner, month)
            await state.publisher.kpi_own(partner.id, partner.number, format_month(month), kpis)
    except CANNOT_SERVE as exc:
        logger.warning("no live update after a submission of partner id %s: %s", partner_id, exc)
        return None
    await release_groups(state, partner_id, month, metrics)
    return kpis


async def release_groups(state: State, partner_id: int, month: date, metrics: dict[str, Metric] | None = None) -> None:
    """Release every group of the partner for the month, each announced as soon as it is computed."""
    try:
        engine = await engine_of(state)
        async with state.db.read() as session:
            groups = await groups_of_partner(session, partner_id)
            exposure = exposures(engine, metrics if metrics is not None else await metric_info(session))
            reading = await reading_now(session, month, Span.MONTH)  # the month reports once, not per group
    except CANNOT_SERVE as exc:
        logger.warning("no release after a submission of partner id %s: %s", partner_id, exc)
        return
    runs: Coalescer = state.setdefault("release_runs", Coalescer())
    for group, members in groups:
        # A run again (for submissions that came meanwhile) reads afresh, or its `released_at`
        # would come before them.
        async def release(again: bool, group: ComparisonGroup = group, members: list[Partner] = members) -> None:
            try:
                await release_group(state, engine, group, members, month, exposure, None if again else reading)
            except Exception:
                # The figures are stored; only this group's push failed. Dashboards re-fetch, and the
                # next submission releases again: the submitter must not see an error for a saved month.
                logger.exception("releasing %s failed after a submission of partner id %s", group.name, partner_id)

        await runs.run((group.id, month), release)


async def release_group(
    state: State,
    engine: Engine,
    group: ComparisonGroup,
    members: list[Partner],
    month: date,
    exposure: dict[str, Exposure],
    reading: Reading | None = None,
) -> None:
    """Compute the group's month as partners see it now (or as of `reading`), and announce it (FiguresReleased)."""
    with timed("release"):
        async with state.db.read() as session:
            figures = await released(session, engine, group, members, month, Span.MONTH, reading=reading)
        cells = public_cells(engine, figures.cells, exposure)
    with timed("fanout"):  # kpi:update to the group's dashboards, and the group chat's note
        await state.events.publish(
            FiguresReleased(group.id, month, cells, figures.reported, len(members), figures.computed_at)
        )


def public_cells(engine: Engine, cells: dict[str, Any], exposure: dict[str, Exposure]) -> dict[str, Any]:
    """A release's cells as `kpi:update` carries them: public figures of the catalogue's KPIs, no variants."""
    return {
        k: public_cell(c, exposure[k].sensitive if k in exposure else True)
        for k, c in cells.items()
        if k not in engine.variants
    }
