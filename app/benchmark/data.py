"""Reading what the KPI engine needs: the catalogue as stored, and figures as a cube."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from weakref import WeakKeyDictionary

import numpy as np
from sqlalchemy import Connection, bindparam, select
from sqlalchemy import Engine as SyncEngine
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmark.figure_cache import figures_of
from app.models import Figure, MarketValue, Metric, Partner, Target
from kpi.anonymity import AnonymityPolicy
from kpi.benchmark import Engine, engine_for
from kpi.cellkey import Perturbation
from kpi.cube import Cube
from kpi.targets import is_summed, span_target

# From this many partners, figures come through the per-process cache (app.benchmark.figure_cache).
CACHED_FROM = 20

# Amounts the analysis charts switch to "je Mitarbeiter" and "Anteil am Umsatz" (kpi.variants).
VARIANT_BASES = (
    "revenue_total",
    "revenue_new",
    "revenue_used",
    "revenue_parts",
    "revenue_workshop",
    "revenue_other",
    "cogs",
    "personnel_costs",
    "operating_costs",
    "marketing_spend",
    "stock_new",
    "stock_used",
    "stock_parts",
)


async def load_engine(
    session: AsyncSession, policy: AnonymityPolicy | None = None, perturbation: Perturbation | None = None
) -> Engine:
    metrics = list(await session.scalars(select(Metric).where(Metric.active).order_by(Metric.position)))
    return engine_for(metrics, {m.key: m.label_de for m in metrics}, policy, VARIANT_BASES, perturbation)


async def metric_info(session: AsyncSession) -> dict[str, Metric]:
    return {m.key: m for m in await session.scalars(select(Metric).where(Metric.active))}


_METRIC_IDS = select(Metric.id, Metric.key).where(Metric.key.in_(bindparam("keys", expanding=True)))
_FIGURES = select(Figure.partner_id, Figure.metric_id, Figure.month, Figure.value).where(
    Figure.partner_id.in_(bindparam("partners", expanding=True)),
    Figure.month.in_(bindparam("months", expanding=True)),
    Figure.metric_id.in_(bindparam("metrics", expanding=True)),
)
# Per database engine and key list: metric id -> key. Metrics are only ever added (app.seed), never
# deleted or renamed, so a list whose every key was found stays right.
_kept_ids: WeakKeyDictionary[SyncEngine | Connection, dict[tuple[str, ...], dict[int, str]]] = WeakKeyDictionary()


async def _metric_ids(session: AsyncSession, keys: tuple[str, ...]) -> dict[int, str]:
    kept = _kept_ids.setdefault(session.get_bind(), {})
    found = kept.get(keys)
    if found is None:
        found = {mid: key for mid, key in await session.execute(_METRIC_IDS, {"keys": list(keys)})}
        if len(found) == len(set(keys)):
            kept[keys] = found
    return found


@dataclass(frozen=True)
class MemberLayout:
    """What a release needs of its members, read off the partner objects once per member list."""

    ids: list[int]
    row: dict[int, int]  # partner id -> row
    id_array: np.ndarray
    record_keys: np.ndarray  # uint64, the members' secret keys (kpi.cellkey)
    areas: list[str]  # distinct postal areas
    area_of: np.ndarray  # each member's index into `areas`
    # (metric ids, years) -> (area, year, metric key) -> value: the member list lives only as long as
    # the network's change count, which market imports raise too (app.network.version)
    market: dict[tuple[tuple[int, ...], tuple[int, ...]], dict[tuple[str, int, str], float]] = field(
        default_factory=dict, compare=False
    )


def layout_of(partners: Sequence[Partner]) -> MemberLayout:
    """Kept per list: the member lists of app.network.groups are shared and never changed, and a
    1,000-partner release read some 5,000 attributes off the partner objects every time."""
    found = _layouts.get(id(partners))
    if found is not None and found[0] is partners:
        _layouts.move_to_end(id(partners))
        return found[1]
    ids = [p.id for p in partners]
    areas = [p.postal_code[:2] for p in partners]
    distinct = sorted(set(areas))
    index = {area: i for i, area in enumerate(distinct)}
    layout = MemberLayout(
        ids,
        {pid: i for i, pid in enumerate(ids)},
        np.array(ids, dtype=np.int64),
        np.array([p.record_key for p in partners], dtype=np.int64).astype(np.uint64),
        distinct,
        np.array([index[area] for area in areas], dtype=np.intp),
    )
    _layouts[id(partners)] = (partners, layout)
    while len(_layouts) > 256:
        _layouts.popitem(last=False)
    return layout


_layouts: OrderedDict[int, tuple[Sequence[Partner], MemberLayout]] = OrderedDict()
MARKET_KEYS = ("purchasing_power", "sales_potential")


async def load_cube(
    session: AsyncSession,
    partners: Sequence[Partner],
    months: Sequence[date],
    keys: Sequence[str],
    *,
    market_beside_reports: bool = False,
) -> Cube:
    """Entered figures of these partners and months; imported market data by postal area and year.

    `market_beside_reports`: market data only for the months a partner reported, as a group's
    figures need them (a market figure beside no report of its own would count a partner the
    benchmark does not hold: n = 40 beside 7 reporters)."""
    layout = layout_of(partners)
    cube = Cube.empty(layout.ids, sorted(set(months)), list(keys))
    row = layout.row
    column = {m: i for i, m in enumerate(cube.months)}
    layer = {k: i for i, k in enumerate(cube.keys)}
    metric_ids = await _metric_ids(session, tuple(keys))
    if len(partners) >= CACHED_FROM:
        for (partner_id, month), (_revision, values) in (
            await figures_of(session, set(row), cube.months, metric_ids, cube.keys)
        ).items():
            cube.values[row[partner_id], column[month]] = values
    else:
        rows = await session.execute(
            _FIGURES, {"partners": list(row), "months": list(cube.months), "metrics": list(metric_ids)}
        )
        for partner_id, metric_id, month, value in rows:
            cube.values[row[partner_id], column[month], layer[metric_ids[metric_id]]] = value
    market = [layer[key] for key in MARKET_KEYS if key in layer]
    if not market:
        return cube
    # Per postal area and month, then spread to the partners at once: a 1,000-partner group
    # has some 90 areas, and the loop over every partner and month was a release's largest part.
    years = tuple(sorted({m.year for m in cube.months}))
    by_area = layout.market.get((tuple(sorted(metric_ids)), years))
    if by_area is None:
        by_area = await _market_values(session, layout, metric_ids, years)
        layout.market[(tuple(sorted(metric_ids)), years)] = by_area
    entered = [i for i in range(len(cube.keys)) if i not in market]
    reported = ~np.isnan(cube.values[:, :, entered]).all(axis=2) if market_beside_reports else True
    for key in MARKET_KEYS:
        if key not in layer:
            continue
        per_area = np.array(
            [[by_area.get((area, month.year, key), np.nan) for month in cube.months] for area in layout.areas]
        ).reshape(len(layout.areas), len(cube.months))
        spread = np.where(reported, per_area[layout.area_of], np.nan)
        cube.values[:, :, layer[key]] = np.where(np.isnan(spread), cube.values[:, :, layer[key]], spread)
    return cube


async def _market_values(
    session: AsyncSession, layout: MemberLayout, metric_ids: dict[int, str], years: tuple[int, ...]
) -> dict[tuple[str, int, str], float]:
    """(postal area, year, metric key) -> value, for the members' areas and these years."""
    query = select(MarketValue.area_code, MarketValue.year, MarketValue.metric_id, MarketValue.value).where(
        MarketValue.area_kind == "postal",
        MarketValue.metric_id.in_(metric_ids),
        MarketValue.area_code.in_(layout.areas),
        MarketValue.year.in_(years),
    )
    return {(area, year, metric_ids[metric_id]): value for area, year, metric_id, value in await session.execute(query)}


@dataclass(frozen=True)
class Exposure:
    """What showing a KPI reveals: the data domains of everything it is computed from, and
    whether any of it is forward-looking (sensitive)."""

    domains: frozenset[str]
    sensitive: bool


# (engine id, each metric's key, domain and sensitivity) -> (engine, exposures): every submission asks twice.
# The engine is kept with its entry, so that its id is not reused by another while the entry lives.
_exposures_kept: OrderedDict[tuple[int, tuple[tuple[str, str, bool], ...]], tuple[Engine, dict[str, Exposure]]] = (
    OrderedDict()
)


def exposures(engine: Engine, metrics: dict[str, Metric]) -> dict[str, Exposure]:
    """Per catalogue metric and per chart variant of one (kpi.variants); do not change the answer (shared)."""
    key = (id(engine), tuple((k, m.domain, m.sensitive) for k, m in metrics.items()))
    found = _exposures_kept.get(key)
    if found is not None and found[0] is engine:
        return found[1]
    result = _exposures(engine, metrics)
    _exposures_kept[key] = (engine, result)
    while len(_exposures_kept) > 16:
        _exposures_kept.popitem(last=False)
    return result


def _exposures(engine: Engine, metrics: dict[str, Metric]) -> dict[str, Exposure]:
    result = {}
    for key in [*metrics, *engine.variants]:
        inputs = engine.dependencies.get(key, set()) | {key}
        known = [metrics[k] for k in inputs if k in metrics]
        # A catalogue KPI belongs to its own domain (DSO is receivables', though computed with
        # revenue): the Zentrale decides so in the catalogue. A chart variant (a KPI per FTE or
        # per revenue) shows its basis too, so it needs every domain it is built from.
        domains = frozenset({metrics[key].domain}) if key in metrics else frozenset(m.domain for m in known)
        result[key] = Exposure(domains, any(m.sensitive for m in known))
    return result


async def span_targets(
    session: AsyncSession, engine: Engine, partner_id: int, months: Sequence[date]
) -> dict[str, float]:
    """The partner's target of each metric over these months (targets are monthly): summed for an
    amount, the last month's for a stock, the mean for a ratio (kpi.targets.span_target).

    Only where every month has a target; a partial sum would flatter the attainment.
    """
    rows = await session.execute(
        select(Metric.key, Target.month, Target.value)
        .join(Metric, Metric.id == Target.metric_id)
        .where(Target.partner_id == partner_id, Target.month.in_(months))
    )
    by_key: dict[str, dict[date, float]] = {}
    for key, target_month, value in rows:
        by_key.setdefault(key, {})[target_month] = value
    kinds = {k: m.time_kind or "" for k, m in engine.metrics.items()}
    return {
        key: span_target(
            [values[m] for m in sorted(values)], is_summed(key, kinds, engine.base_terms), kinds.get(key) == "stock"
        )
        for key, values in by_key.items()
        if len(values) == len(months)
    }
