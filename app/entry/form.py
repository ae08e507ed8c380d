"""What the entry form shows and how its input becomes values for `store_month`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmark.data import load_cube
from app.figures.service import FieldError, month_values
from app.models import Metric, Partner
from app.web.domains import DOMAIN_TITLES
from app.web.numbers import parse_de
from app.web.templating import number_de
from kpi.benchmark import Engine
from kpi.months import add_months
from kpi.periods import Span


@dataclass(frozen=True)
class Field:
    metric: Metric
    current: float | None
    previous: float | None
    prior_year: float | None
    typed: str


@dataclass(frozen=True)
class Section:
    title: str
    fields: list[Field]


async def entry_sections(
    session: AsyncSession, partner: Partner, month: date, typed: dict[str, str] | None = None
) -> list[Section]:
    metrics = (
        await session.scalars(select(Metric).where(Metric.kind == "entered", Metric.active).order_by(Metric.position))
    ).all()
    current = await month_values(session, partner, month)
    previous = await month_values(session, partner, add_months(month, -1))
    prior_year = await month_values(session, partner, add_months(month, -12))
    sections: dict[str, list[Field]] = {}
    for m in metrics:
        shown = (
            _retyped(typed.get(m.key, ""), m.decimals) if typed is not None else _format(current.get(m.key), m.decimals)
        )
        sections.setdefault(m.domain, []).append(
            Field(m, current.get(m.key), previous.get(m.key), prior_year.get(m.key), shown)
        )
    return [Section(DOMAIN_TITLES.get(domain, domain), fields) for domain, fields in sections.items()]


def _format(value: float | None, decimals: int) -> str:
    """A stored value as the form shows it: German notation, cents only where there are any."""
    return "" if value is None else number_de(value, max(decimals, 2) if value % 1 else decimals)


def _retyped(text: str, decimals: int) -> str:
    """What was typed, shown again: a number as the form writes numbers („410617,74“ becomes
    „410.617,74“), anything else exactly as typed so that its error can be seen."""
    try:
        return _format(parse_de(text), decimals) if text.strip() else ""
    except ValueError:
        return text


def parse_entry(form: dict[str, Any], keys: list[str]) -> tuple[dict[str, object], list[FieldError]]:
    """Typed fields as numbers; empty fields are left out (not set, not zero)."""
    values: dict[str, object] = {}
    errors: list[FieldError] = []
    for key in keys:
        raw = str(form.get(key, "")).strip()[:40]
        if not raw:
            continue
        try:
            values[key] = parse_de(raw)
        except ValueError as exc:
            errors.append(FieldError(key, str(exc)))
    return values, errors


@dataclass(frozen=True)
class PreviewKpi:
    label: str
    unit: str
    decimals: int
    value: float | None


async def preview_kpis(
    session: AsyncSession, engine: Engine, partner: Partner, month: date, typed: dict[str, object]
) -> list[PreviewKpi]:
    """Derived KPIs of the month from the stored values overlaid with what is typed (nothing is saved)."""
    keys = sorted(engine.catalogue.base_keys)
    cube = await load_cube(session, [partner], [month], keys)
    for key, value in typed.items():
        if key in keys and isinstance(value, float):
            cube.values[0, 0, keys.index(key)] = value
    values = engine.values(cube, Span.MONTH, month)
    metrics = {
        m.key: m
        for m in await session.scalars(
            select(Metric).where(Metric.kind == "derived", Metric.active).order_by(Metric.position)
        )
    }
    return [
        PreviewKpi(m.label_de, m.unit, m.decimals, None if math.isnan(values[key][0]) else float(values[key][0]))
        for key, m in metrics.items()
        if key in values
    ]
