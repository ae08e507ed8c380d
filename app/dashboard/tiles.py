"""The managing director's KPI tiles: the KPIs the Zentrale chose, each with the own value of the
last month, twelve months as a sparkline, the position in the main comparison group (as released:
perturbed, never the others' raw figures) and the target attainment."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis.table import Row, rows_of
from app.auth.permissions import Principal
from app.benchmark.data import load_cube, metric_info
from app.benchmark.live import engine_of
from app.benchmark.view import benchmark_for
from app.models import Partner, PortalSetting
from app.network.visibility import visible_groups
from app.web.sparkline import sparkline
from kpi.months import months_back
from kpi.periods import Span

TILES_KEY = "start_kpis"
DEFAULT_TILES = (
    "revenue_total",
    "gross_margin",
    "order_backlog",
    "utilisation",
    "stock_turnover",
    "dso",
    "result_ratio",
    "aftersales_share",
)
MAX_TILES = 8


@dataclass(frozen=True)
class Tile:
    row: Row
    spark: str  # inline SVG of twelve months, or "" without figures
    better: str | None


async def tile_keys(session: AsyncSession) -> list[str]:
    setting = await session.get(PortalSetting, TILES_KEY)
    return list(setting.value) if setting is not None else list(DEFAULT_TILES)


async def tiles_for(state: State, principal: Principal, month: date) -> tuple[str, list[Tile]]:
    """The main group's name (the largest the partner is in) and the tiles the reader may see."""
    async with state.db.read() as session:
        groups = await visible_groups(session, principal)
        keys = await tile_keys(session)
        metrics = await metric_info(session)
        partner = await session.get(Partner, principal.partner_id) if principal.partner_id else None
    if not groups or partner is None:
        return "", []
    group = max(groups, key=lambda g: g[1])[0]
    benchmark = await benchmark_for(state, principal, group.id, month, Span.MONTH)
    rows = {r.key: r for r in rows_of(benchmark, metrics)}
    engine = await engine_of(state)
    months = months_back(month, 12)
    async with state.db.read() as session:
        cube = await load_cube(session, [partner], months, sorted(engine.catalogue.base_keys))
    series = engine.series(cube, months)
    tiles = []
    for key in keys[:MAX_TILES]:
        row = rows.get(key)
        if row is None:
            continue  # a KPI the reader may not see (its domain), or no longer in the catalogue
        line = [float(v) for v in series[key][0]] if key in series else []
        shown = line if any(not math.isnan(v) for v in line) else []
        tiles.append(
            Tile(row, sparkline(shown, f"{row.label}: die letzten 12 Monate") if shown else "", metrics[key].better)
        )
    return group.name, tiles
