"""A KPI's course over the last months: the own values and the released group medians."""

from __future__ import annotations

import math
from datetime import date

from litestar.datastructures import State

from app.auth.permissions import Principal
from app.benchmark.data import load_cube
from app.benchmark.live import engine_of
from app.benchmark.view import released_medians
from app.models import Partner
from kpi.months import format_month, months_back


async def course(
    state: State, principal: Principal, group: int, month: date, key: str, count: int = 24
) -> tuple[list[str], list[float | None], list[float | None]]:
    """Months, own values and group medians (None where hidden or missing)."""
    months = months_back(month, count)
    engine = await engine_of(state)
    own: list[float | None] = [None] * count
    if principal.partner_id is not None:
        async with state.db.read() as session:
            partner = await session.get(Partner, principal.partner_id)
            if partner is not None:
                cube = await load_cube(session, [partner], months, sorted(engine.catalogue.base_keys))
                series = engine.series(cube, months).get(key)
                if series is not None:
                    own = [None if math.isnan(v) else round(float(v), 4) for v in series[0]]
    # Each month's median as released to this user (the anonymity rules apply month by month).
    medians = await released_medians(state, principal, group, months, key)
    return [format_month(m) for m in months], own, medians
