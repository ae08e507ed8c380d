"""A partner's own KPIs, entered and derived, for a month or a longer span."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmark.data import load_cube
from app.models import Partner
from kpi.benchmark import Engine
from kpi.periods import Span, prior_year, span_months


async def partner_kpis(
    session: AsyncSession, engine: Engine, partner: Partner, month: date, span: Span = Span.MONTH
) -> dict[str, float]:
    """Every catalogue metric of the partner for the span ending with `month`, entered and derived;
    no value: left out. Chart variants (per employee, share) stay out: they are no KPIs of their own."""
    cube = await load_cube(session, [partner], span_months(span, month), sorted(engine.catalogue.base_keys))
    current = _first_row(engine.values(cube, span, month))
    return {key: value for key, value in current.items() if key not in engine.variants}


async def partner_kpis_with_prior(
    session: AsyncSession, engine: Engine, partner: Partner, month: date, span: Span
) -> tuple[dict[str, float], dict[str, float]]:
    """The partner's KPIs for the span and for the same span a year earlier."""
    earlier = prior_year(month)
    cube = await load_cube(
        session, [partner], span_months(span, month) + span_months(span, earlier), sorted(engine.catalogue.base_keys)
    )
    return _first_row(engine.values(cube, span, month)), _first_row(engine.values(cube, span, earlier))


def _first_row(values: dict[str, np.ndarray]) -> dict[str, float]:
    """The first partner's values, rounded to 6 places; no value: left out."""
    keys = list(values)
    row = np.round(np.array([values[key][0] for key in keys], dtype=np.float64), 6)
    return {key: float(v) for key, v in zip(keys, row.tolist(), strict=True) if not math.isnan(v)}
