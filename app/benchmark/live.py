"""After a submission is committed: the partner's own KPIs go out at once, group figures when released."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from litestar.datastructures import State

from app.benchmark.data import exposures, load_engine, metric_info
from app.benchmark.service import current_release, partner_kpis, public_cell
from app.chat.notes import reporting_note
from app.models import Partner
from app.network.groups import groups_with_members
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


async def publish_submission(state: State, partner_id: int, month: date) -> dict[str, float]:
    """Emit `kpi:own`, then `kpi:update` for every group of the partner whose figures were re-released.

    Runs after the figures are durable (emit after commit); a client that missed an
    event re-fetches over HTTP.
    """
    engine = await engine_of(state)
    period = format_month(month)
    async with state.db.read() as session:
        partner = await session.get(Partner, partner_id)
        if partner is None:
            return {}
        kpis = await partner_kpis(session, engine, partner, month)
    await state.publisher.kpi_own(partner.id, partner.number, period, kpis)
    try:
        updates = await _release_groups(state, engine, partner, month)
    except Exception:
        # The figures are stored; only the group push failed. Dashboards re-fetch, the next
        # submission releases again, and the submitter must not see an error for a saved month.
        logger.exception("releasing group figures failed after a submission of partner %s", partner.number)
        return kpis
    for group_id, cells in updates:
        await state.publisher.kpi_update(group_id, period, cells)
    for group_id, _ in updates:
        try:
            await reporting_note(state, group_id, month)
        except Exception:  # a note is a courtesy; the figures are stored and pushed
            logger.exception("system note for group %s failed", group_id)
    return kpis


async def _release_groups(
    state: State, engine: Engine, partner: Partner, month: date
) -> list[tuple[int, dict[str, Any]]]:
    updates: list[tuple[int, dict[str, Any]]] = []
    async with state.db.transaction() as session:
        for group, members in await groups_with_members(session):
            if partner.id not in {p.id for p in members}:
                continue
            release = await current_release(session, engine, group, members, month, Span.MONTH)
            if release.fresh:
                exposure = exposures(engine, await metric_info(session))
                cells = {
                    k: public_cell(c, exposure[k].sensitive if k in exposure else True)
                    for k, c in release.record.cells.items()
                    if k not in engine.variants
                }
                updates.append((group.id, cells))
    return updates
