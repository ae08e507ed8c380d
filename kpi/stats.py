"""Group statistics of one KPI, and a partner's place in the group."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kpi.formula import Vector


@dataclass(frozen=True)
class GroupStats:
    n: int
    median: float
    q1: float
    q3: float
    best: float  # mean of the best quarter ("best in class"), never one partner
    best_n: int
    mean: float


@dataclass(frozen=True)
class Position:
    value: float
    rank: int  # 1 = best
    percentile: float  # share of the other partners the own value is at least as good as, 0..100


def group_stats(values: Vector, better: str | None) -> GroupStats | None:
    """Statistics over the partners with a value; None when nobody has one.

    Quartiles interpolate linearly between the sorted values (Excel's QUARTILE.INC).
    The best quarter is the values at or above the upper quartile (at or below the
    lower one where lower is better); for metrics without a direction it is taken
    from the top as well.
    """
    present = np.sort(values[~np.isnan(values)])
    n = len(present)
    if n == 0:
        return None
    q1, median, q3 = (float(v) for v in np.percentile(present, [25, 50, 75]))
    best_values = present[present <= q1] if better == "lower" else present[present >= q3]
    return GroupStats(n, median, q1, q3, float(best_values.mean()), len(best_values), float(present.mean()))


def position(values: Vector, index: int, better: str | None) -> Position | None:
    """Rank and percentile of partner `index` among those with a value; None without own value."""
    own = float(values[index])
    if math.isnan(own):
        return None
    present = values[~np.isnan(values)]
    n = len(present)
    if better == "lower":
        better_count, at_least_as_good = int((present < own).sum()), int((present >= own).sum())
    else:
        better_count, at_least_as_good = int((present > own).sum()), int((present <= own).sum())
    percentile = 100.0 if n == 1 else (at_least_as_good - 1) / (n - 1) * 100
    return Position(own, better_count + 1, percentile)


def change(current: float, prior: float) -> float:
    """Change against the prior year in %, NaN where there is no basis."""
    if math.isnan(current) or math.isnan(prior) or prior == 0:
        return math.nan
    return (current - prior) / abs(prior) * 100
