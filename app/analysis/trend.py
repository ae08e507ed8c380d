"""A KPI's course over the last months: the partner's values, its targets and the released group figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from litestar.datastructures import State
from sqlalchemy import select

from app.auth.permissions import Principal
from app.benchmark.data import load_cube
from app.benchmark.live import engine_of
from app.benchmark.view import GroupMonth, released_course
from app.models import Metric, Partner, Target
from kpi.months import format_month, months_back


@dataclass(frozen=True)
class Course:
    months: list[str]  # YYYY-MM
    own: list[float | None]
    targets: list[float | None]
    group: list[GroupMonth]


async def course(
    state: State, principal: Principal, group: int, month: date, key: str, subject: Partner | None, count: int = 24
) -> Course:
    """`count` months up to `month`: the subject's values and monthly targets (None where missing;
    no subject, none at all) and the group's median and quartiles as released to this user
    (the anonymity rules apply month by month)."""
    months = months_back(month, count)
    engine = await engine_of(state)
    own: list[float | None] = [None] * count
    targets: list[float | None] = [None] * count
    if subject is not None:
        async with state.db.read() as session:
            cube = await load_cube(session, [subject], months, engine.inputs_of(key))
            rows = await session.execute(
                select(Target.month, Target.value)
                .join(Metric, Metric.id == Target.metric_id)
                .where(Target.partner_id == subject.id, Metric.key == key, Target.month.in_(months))
            )
            planned = {target_month: value for target_month, value in rows}
        series = engine.series(cube, months, only=key).get(key)
        if series is not None:
            own = [None if math.isnan(v) else round(float(v), 4) for v in series[0]]
        targets = [planned.get(m) for m in months]
    released = await released_course(state, principal, group, months, key)
    return Course([format_month(m) for m in months], own, targets, released)
