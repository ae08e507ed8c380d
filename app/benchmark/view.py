"""One group's benchmark as a user sees it: released figures, own value, place, change and target."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from sqlalchemy import String, cast, select

from app.auth.permissions import Action, Principal
from app.benchmark.data import exposures, metric_info, span_targets
from app.benchmark.live import announce_release, engine_of, public_cells
from app.benchmark.published import (
    known_current,
    members_key,
    monthly_report_states,
    published,
    published_if_current,
    remember_current,
)
from app.benchmark.service import (
    current_release,
    monthly_versions,
    partner_kpis_with_prior,
    public_cell,
)
from app.models import GroupRelease, Partner
from app.network.groups import groups_with_members
from app.network.visibility import visible_groups
from kpi.anonymity import may_rerelease
from kpi.months import format_month, month_of
from kpi.periods import Span, span_months
from kpi.stats import change
from kpi.variants import Basis


class FuturePeriod(ValueError):
    pass


async def _targets(state: State, partner: Partner, month: date, span: Span) -> dict[str, float]:
    async with state.db.read() as session:
        return await span_targets(session, partner.id, span_months(span, month))


async def benchmark_for(
    state: State, principal: Principal, group: int, month: date, span: Span, *, variants: bool = False
) -> dict[str, Any]:
    """Per KPI the group figures the caller may see (hidden cells say why), and the own value, rank, percentile.

    `variants`: also the charts' per-employee and share-of-revenue views of amounts
    (kpi.variants), each marked with `variant_of`.
    """
    if month > month_of(date.today()):
        raise FuturePeriod(f"{format_month(month)} liegt in der Zukunft.")
    engine = await engine_of(state)
    async with state.db.read() as session:
        visible = {g.id for g, _ in await visible_groups(session, principal)}
        found = next(((g, m) for g, m in await groups_with_members(session) if g.id == group and g.id in visible), None)
        own = await session.get(Partner, principal.partner_id) if principal.partner_id else None
        own_kpis, own_prior = await partner_kpis_with_prior(session, engine, own, month, span) if own else ({}, {})
        metrics = await metric_info(session)
        if found is None:
            raise NotFoundException(f"Vergleichsgruppe {group} nicht gefunden.")
        group_row, members = found
        record = await published_if_current(session, engine, group_row, members, month, span)
    if record is None:
        # Only a due release writes (on SQLite that takes the write lock); the rest is a read.
        announced: tuple[dict[str, Any], int] | None = None
        async with state.db.transaction() as session:
            release = await current_release(session, engine, group_row, members, month, span)
            record = await published(session, release.record)
            if release.fresh and not release.first and span is Span.MONTH:
                cells = public_cells(engine, release.record.cells, exposures(engine, metrics))
                announced = cells, len(release.record.versions)
        if announced is not None:
            await announce_release(state, group, month, *announced, len(members))
    targets = await _targets(state, own, month, span) if own else {}
    action = Action.BENCHMARK if principal.is_partner_user else Action.VIEW
    exposure = exposures(engine, metrics)
    kpis: dict[str, Any] = {}
    for key, cell in record.cells.items():
        variant = engine.variants.get(key)
        if variant is not None and not variants:
            continue
        metric = metrics.get(variant.base if variant else key)
        # A KPI shows what it is computed from: every input's domain must be visible (DSO reveals revenue).
        if metric is None or not all(principal.may(action, d) for d in exposure[key].domains):
            continue
        sensitive = exposure[key].sensitive
        value, before = own_kpis.get(key), own_prior.get(key)
        better = engine.metrics[key].better if variant else metric.better
        place = record.place(key, own.id, better) if own and not sensitive else None
        growth = change(value, before) if value is not None and before is not None else math.nan
        target = targets.get(key)
        kpis[key] = {
            **public_cell(cell, sensitive),
            "label": engine.metrics[key].label if variant else metric.label_de,
            "unit": ("%" if variant.basis is Basis.SHARE else metric.unit) if variant else metric.unit,
            "own": value,
            "rank": place.rank if place else None,
            "percentile": None if place is None or math.isnan(place.percentile) else round(place.percentile, 1),
            "own_prior_year": before,
            "change": None if math.isnan(growth) else round(growth, 2),
            "target": target,
            "attainment": round(value / target * 100, 1) if value is not None and target else None,
        }
        if variant:
            kpis[key].update(variant_of=variant.base, basis=variant.basis.value, better=better)
    return {
        "group": group,
        "group_name": group_row.name,
        "period": format_month(month),
        "span": span.value,
        "released_at": record.released_at.isoformat(),
        "partner": own.number if own else None,
        "kpis": kpis,
    }


async def released_medians(
    state: State, principal: Principal, group: int, months: list[date], key: str
) -> list[float | None]:
    """The group median of one KPI month by month, as released to this user (None where hidden).

    The same rules as `benchmark_for`, read for many months at once: releases that are
    due are made in one transaction, the rest is read from the stored releases.
    """
    engine = await engine_of(state)
    past = [m for m in months if m <= month_of(date.today())]  # a future month has no figures to release
    async with state.db.read() as session:
        visible = {g.id for g, _ in await visible_groups(session, principal)}
        found = next(((g, m) for g, m in await groups_with_members(session) if g.id == group and g.id in visible), None)
        if found is None:
            raise NotFoundException(f"Vergleichsgruppe {group} nicht gefunden.")
        metrics = await metric_info(session)
        group_row, members = found
        reports = await monthly_report_states(session, past)
        # Only this KPI's cell of each month, without the versions (1,000 per month in a large group).
        query = select(
            GroupRelease.period,
            GroupRelease.id,
            GroupRelease.released_at,
            (cast(GroupRelease.cells, String) == "{}").label("empty"),
            GroupRelease.cells[key].label("cell"),
        ).where(
            GroupRelease.group_id == group,
            GroupRelease.span == Span.MONTH.value,
            GroupRelease.period.in_(months),
        )
        rows = (await session.execute(query)).all()
        cells: dict[date, dict[str, Any] | None] = {row.period: row.cell for row in rows}
        # A month's release is still current where this process found it so in the same state of
        # reports and members; only the others need their versions compared.
        who = members_key(members)
        releases = {
            row.period: ((row.id, row.released_at), (*reports[row.period], who))
            for row in rows
            if row.period in reports and not row.empty
        }
        unknown = [m for m in past if m in releases and not known_current(*releases[m])]
        stored_versions: dict[date, dict[str, str]] = {}
        versions: dict[date, dict[str, str]] = {}
        if unknown:
            ids = [releases[m][0][0] for m in unknown]
            query = select(GroupRelease.period, GroupRelease.versions).where(GroupRelease.id.in_(ids))
            stored_versions = {period: stored for period, stored in await session.execute(query)}
            versions = await monthly_versions(session, members, unknown)
    action = Action.BENCHMARK if principal.is_partner_user else Action.VIEW
    exposure = exposures(engine, metrics)
    if key not in exposure or not all(principal.may(action, d) for d in exposure[key].domains):
        return [None] * len(months)
    due = [m for m in past if m not in releases]
    for m in unknown:
        if may_rerelease(stored_versions.get(m), versions[m], engine.policy):
            due.append(m)
        else:
            remember_current(*releases[m])
    announced: list[tuple[date, dict[str, Any], int]] = []
    if due:
        async with state.db.transaction() as session:
            for m in due:
                release = await current_release(session, engine, group_row, members, m, Span.MONTH)
                cells[m] = release.record.cells.get(key)
                if release.fresh and not release.first:
                    public = public_cells(engine, release.record.cells, exposure)
                    announced.append((m, public, len(release.record.versions)))
    for m, public, reported in announced:
        await announce_release(state, group, m, public, reported, len(members))
    medians: list[float | None] = []
    for m in months:
        cell = cells.get(m) or {}
        medians.append(None if cell.get("hidden") else cell.get("median"))
    return medians
