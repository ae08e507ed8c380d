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
    return group_stats_many(np.asarray(values, dtype=np.float64)[None, :], np.array([better == "lower"])).row(0)


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


def change_in(unit: str, current: float, prior: float) -> tuple[float, str]:
    """The change against the prior year as a controller reads it, and its unit: a ratio in % by
    percentage points (29.61 % -> 28.28 % is -1.33 Pp., not -4.5 %), a score without a unit by
    its difference (an expectation of 0.25 after 0.0625 is +0.19, not +300 %), anything else in %."""
    if math.isnan(current) or math.isnan(prior):
        return math.nan, ""
    if unit == "%":
        return current - prior, "Pp."
    if unit == "":
        return current - prior, ""
    return change(current, prior), "%"


@dataclass(frozen=True)
class ManyStats:
    """Group statistics of many KPIs at once: row i belongs to KPI i (NaN where n is 0)."""

    n: np.ndarray
    q1: np.ndarray
    median: np.ndarray
    q3: np.ndarray
    best: np.ndarray
    best_n: np.ndarray
    mean: np.ndarray

    def row(self, i: int) -> GroupStats | None:
        if self.n[i] == 0:
            return None
        return GroupStats(
            int(self.n[i]),
            float(self.median[i]),
            float(self.q1[i]),
            float(self.q3[i]),
            float(self.best[i]),
            int(self.best_n[i]),
            float(self.mean[i]),
        )


def quantiles_many(
    matrix: np.ndarray, shares: tuple[float, ...], ordered: np.ndarray | None = None
) -> list[np.ndarray]:
    """Per row, the quantiles of its non-NaN values (linear interpolation); NaN for an empty row.
    `ordered`: the rows sorted, if the caller has them."""
    if ordered is None:
        ordered = np.sort(matrix, axis=1)  # NaN sorts last
    n = (~np.isnan(matrix)).sum(axis=1)
    last = np.maximum(n - 1, 0)
    out = []
    for share in shares:
        position = last * share
        low = np.floor(position).astype(np.intp)
        high = np.ceil(position).astype(np.intp)
        below = np.take_along_axis(ordered, low[:, None], axis=1)[:, 0]
        above = np.take_along_axis(ordered, high[:, None], axis=1)[:, 0]
        out.append(np.where(n == 0, np.nan, below + (above - below) * (position - low)))
    return out


def group_stats_many(matrix: np.ndarray, lower_is_better: np.ndarray) -> ManyStats:
    """`group_stats` for every row of a KPIs × partners matrix in one vectorised pass."""
    n = (~np.isnan(matrix)).sum(axis=1)
    q1, median, q3 = quantiles_many(matrix, (0.25, 0.5, 0.75))
    with np.errstate(invalid="ignore"):
        in_best = np.where(lower_is_better[:, None], matrix <= q1[:, None], matrix >= q3[:, None])
    best_n = in_best.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        best = np.where(in_best, matrix, 0.0).sum(axis=1) / best_n
        mean = np.nansum(matrix, axis=1) / n
    empty = n == 0
    nan = np.where(empty, np.nan, 0.0)
    return ManyStats(n, q1 + nan, median + nan, q3 + nan, best + nan, best_n, mean + nan)
