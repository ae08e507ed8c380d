"""After a submission is committed: the partner's own KPIs go out at once, group figures when released."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from datetime import date, timedelta
from functools import partial
from typing import Any

from litestar.datastructures import State
from sqlalchemy import select

from app.benchmark.contributions import remember_histories
from app.benchmark.data import Exposure, exposures, load_engine, metric_info
from app.benchmark.pacing import CoalescedReleases, Later
from app.benchmark.published import current_release_key
from app.benchmark.release_leader import ReleaseLeader
from app.benchmark.service import (
    partner_kpis,
    plan_release,
    public_cell,
    release_basis,
    write_planned,
)
from app.chat.notes import reporting_note
from app.db import CANNOT_SERVE
from app.models import ComparisonGroup, Metric, MonthReport, Partner
from app.models.base import utcnow
from app.network.groups import groups_of_partner, memberships
from kpi.anonymity import AnonymityPolicy
from kpi.benchmark import Engine
from kpi.months import format_month
from kpi.periods import Span

logger = logging.getLogger(__name__)


async def engine_of(state: State) -> Engine:
    """The KPI engine of the stored catalogue, compiled once per process."""
    engine: Engine | None = state.get("kpi_engine")
    if engine is None:
        settings = state.settings
        policy = AnonymityPolicy(
            settings.min_contributors, settings.max_share, settings.max_top2_share, settings.min_new_contributions
        )
        async with state.db.read() as session:
            engine = await load_engine(session, policy)
        state.kpi_engine = engine
    return engine


async def publish_submission(
    state: State, partner_id: int, month: date, metrics: dict[str, Metric] | None = None
) -> dict[str, float] | None:
    """Emit `kpi:own`, then `kpi:update` for every group of the partner whose figures were re-released.

    Runs after the figures are durable (emit after commit); a client that missed an
    event re-fetches over HTTP. Returns the partner's KPIs, or None when they could not be
    read now (database away or overloaded): the submission is stored all the same, and
    the submitter must not see an error for a saved month. `metrics`: `metric_info` as the
    caller has just read it.
    """
    # Handed to the worker checking the releases first: its check need not wait for the own update.
    leader: ReleaseLeader | None = state.get("release_leader")
    here = leader is None or not await leader.forward(partner_id, month)
    try:
        engine = await engine_of(state)
        period = format_month(month)
        async with state.db.read() as session:
            partner = await session.get(Partner, partner_id)
            if partner is None:
                return {}
            kpis = await partner_kpis(session, engine, partner, month)
        await state.publisher.kpi_own(partner.id, partner.number, period, kpis)
    except CANNOT_SERVE as exc:
        logger.warning("no live update after a submission of partner id %s: %s", partner_id, exc)
        return None
    if here:
        await check_releases(state, partner_id, month, metrics)
    return kpis


async def submission_arriving(state: State) -> None:
    """A submission arrived and is about to be stored: how often they come tells the release checks
    when they have stopped (app.benchmark.pacing), in the worker that runs them. Noted on arrival,
    not after the commit: a commit that takes its time is no pause of the submissions."""
    leader: ReleaseLeader | None = state.get("release_leader")
    if leader is None or not await leader.arriving():
        note_arrival(state)


def note_arrival(state: State) -> None:
    _coalesced(state).note_submission()


async def check_releases(state: State, partner_id: int, month: date, metrics: dict[str, Metric] | None = None) -> None:
    """After a submission of the partner: check its groups' releases and push those re-released,
    here or (several workers) in the worker it was forwarded to (app.benchmark.release_leader)."""
    try:
        engine = await engine_of(state)
        # A session of its own: in one holding the partner, the shared group memberships
        # could not be kept and would be read again (app.network.groups._detach).
        async with state.db.read() as session:
            groups = await groups_of_partner(session, partner_id)
            exposure = exposures(engine, metrics if metrics is not None else await metric_info(session))
    except CANNOT_SERVE as exc:
        logger.warning("no release check after a submission of partner id %s: %s", partner_id, exc)
        return
    # One transaction per group, each pushed as soon as it is committed: the first group's
    # dashboards need not wait for the releases of every other group of the partner.
    for group, members in groups:

        async def release(
            group: ComparisonGroup = group, members: list[Partner] = members
        ) -> float | Coroutine[Any, Any, None] | None:
            try:
                cells = await _release_group(state, engine, group, members, month, exposure)
            except Exception:
                # The figures are stored; only this group's push failed. Dashboards re-fetch, the next
                # submission releases again, and the submitter must not see an error for a saved month.
                logger.exception("releasing %s failed after a submission of partner id %s", group.name, partner_id)
                return None
            if isinstance(cells, Later):
                return cells.seconds
            if cells is not None:
                # Sent by the pacing once the check is timed: sending to 1,000 sockets is not
                # counted in the group's period (app.benchmark.pacing).
                return announce_release(state, group.id, month, *cells, len(members))
            return None

        await _coalesced(state).run((group.id, month), release, weight=len(members))


async def check_recent_releases(state: State, seconds: float) -> None:
    """The release checks after every submission of the last `seconds`, one partner per set of groups
    (a worker taking over the checks from another, which may have left some undone)."""
    since = utcnow() - timedelta(seconds=seconds)
    try:
        async with state.db.read() as session:
            recent = (
                await session.execute(
                    select(MonthReport.partner_id, MonthReport.month).where(MonthReport.submitted_at >= since)
                )
            ).all()
            found = await memberships(session)
    except CANNOT_SERVE as exc:
        logger.warning("no release checks of recent submissions: %s", exc)
        return
    covered: set[tuple[int, date]] = set()
    for partner_id, month in recent:
        groups = {(group.id, month) for group, _ in found.by_partner.get(partner_id, [])}
        if not groups <= covered:
            covered |= groups
            await check_releases(state, partner_id, month)


def _coalesced(state: State) -> CoalescedReleases:
    releases: CoalescedReleases | None = state.get("coalesced_releases")
    if releases is None:
        releases = state.coalesced_releases = CoalescedReleases(state.settings.release_share)
    # `release_share` is of the portal's time: the worker running the checks of N workers may take N times that.
    leader: ReleaseLeader | None = state.get("release_leader")
    workers = leader.workers if leader is not None and leader.leading else 1
    releases.share = min(1.0, state.settings.release_share * workers)
    return releases


def public_cells(engine: Engine, cells: dict[str, Any], exposure: dict[str, Exposure]) -> dict[str, Any]:
    """A release's cells as `kpi:update` carries them: public figures of the catalogue's KPIs, no variants."""
    return {
        k: public_cell(c, exposure[k].sensitive if k in exposure else True)
        for k, c in cells.items()
        if k not in engine.variants
    }


async def announce_release(
    state: State, group_id: int, month: date, cells: dict[str, Any], reported: int, members: int
) -> None:
    """After a month's group figures were re-released and committed, by whichever request made it:
    `kpi:update` to the group's room, then the reporting note in its chat (`reported`: members
    with the month reported, the release's contributors, of the group's `members`).

    A page view that finds a release due makes it too; without this, the submission that
    made it due would find nothing left to push and the other dashboards would stay old.
    """
    await state.publisher.kpi_update(group_id, format_month(month), cells)
    try:
        await reporting_note(state, group_id, month, reported, members)
    except Exception:  # a note is a courtesy; the figures are stored and pushed
        logger.exception("system note for group %s failed", group_id)


async def _release_group(
    state: State,
    engine: Engine,
    group: ComparisonGroup,
    members: list[Partner],
    month: date,
    exposure: dict[str, Exposure],
) -> tuple[dict[str, Any], int] | Later | None:
    """The group's public cells and its number of contributors if this check re-released them,
    else None; `Later(0)` if another worker or a page view released the group meanwhile: the
    check runs again when its turn comes, on the new release.

    The release is computed from a snapshot, without the write lock (on SQLite every writer
    would wait for the figures of 1,000 partners to be read and checked), and written in a
    short transaction if its basis is still the stored release; else computed again there.
    """
    async with state.db.read() as session:
        # Most submissions release nothing: find that out from the versions alone, without taking
        # the write lock or reading the release row with every member's values.
        if await current_release_key(session, engine, group, members, month, Span.MONTH) is not None:
            return None
        basis = await release_basis(session, group, month, Span.MONTH)
        plan = await plan_release(session, engine, members, month, Span.MONTH, basis)
    if not plan.due:
        return None
    release = await state.db.write(partial(write_planned, group_id=group.id, period=month, span=Span.MONTH, plan=plan))
    if release is None:
        return Later(0.0)
    if release.fresh and plan.histories is not None:
        remember_histories(release.record.id, release.record.released_at, plan.histories)
    if not release.fresh:
        return None
    return public_cells(engine, release.record.cells, exposure), len(release.record.versions)
