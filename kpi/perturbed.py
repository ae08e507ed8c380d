"""A group's statistics as released: exact n, every other figure perturbed by its cell key (kpi.cellkey)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from kpi.cellkey import Perturbation, cell_keys, identity, set_keys
from kpi.stats import ManyStats, Position, quantiles_many

BEST_LEAST = 3  # partners in a best quarter, else it stays hidden
QUANTILES = ((0.25, "q1"), (0.5, "median"), (0.75, "q3"))


@dataclass(frozen=True)
class Rows:
    """KPIs × members: values (NaN: no value), and what is known about each KPI."""

    keys: Sequence[str]
    matrix: np.ndarray
    lower_is_better: np.ndarray  # per KPI
    directed: np.ndarray  # per KPI: has a better-direction (best quarter, rank)
    terms: Mapping[str, list[tuple[int, str]]]  # additive KPIs: their base terms with signs
    base: Mapping[str, np.ndarray]  # every base term's values over the members


@cache
def _identities(name: str, keys: tuple[str, ...]) -> np.ndarray:
    return np.array([identity(name, k) for k in keys], dtype=np.uint64)


def released_stats(rows: Rows, record_keys: np.ndarray, perturbation: Perturbation) -> ManyStats:
    """Per KPI: n exact; mean, quartiles and best quarter perturbed (NaN where there is nothing)."""
    matrix = rows.matrix
    present = ~np.isnan(matrix)
    n = present.sum(axis=1)
    keys = np.asarray(record_keys, dtype=np.uint64)
    ordered = np.sort(matrix, axis=1)
    key_sums = set_keys(keys, present)
    exact = quantiles_many(matrix, tuple(share for share, _ in QUANTILES), ordered)
    names = tuple(rows.keys)
    perturbed = [
        q + perturbation.quantile_noise(ordered, n, share, key_sums, _identities(name, names))
        for q, (share, name) in zip(exact, QUANTILES, strict=True)
    ]
    # In order, as readers expect (each has its own noise). Not cut to the group's range: its ends
    # are members' exact values.
    q1, median, q3 = np.sort(np.vstack(perturbed), axis=0)
    sums = np.nansum(matrix, axis=1) + _sum_noise(rows, present, keys, perturbation)
    best, best_n = _best(rows, ordered, keys, perturbation, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / n
    empty = np.where(n == 0, np.nan, 0.0)
    return ManyStats(n, q1 + empty, median + empty, q3 + empty, best + empty, best_n, mean + empty)


def _sum_noise(rows: Rows, present: np.ndarray, keys: np.ndarray, perturbation: Perturbation) -> np.ndarray:
    """Each KPI's noise on its sum; an additive KPI's is the same sum of its terms' noises over its members."""
    values, masks, idents, signs, targets = [], [], [], [], []
    for i, key in enumerate(rows.keys):
        for sign, term in rows.terms.get(key, [(1, key)]):
            values.append(rows.matrix[i] if term == key else rows.base[term])
            masks.append(present[i])
            idents.append(identity("sum", term))
            signs.append(sign)
            targets.append(i)
    noise = np.zeros(len(rows.keys))
    if values:
        each = perturbation.sum_noise(np.vstack(values), np.vstack(masks), keys, np.array(idents, dtype=np.uint64))
        np.add.at(noise, targets, np.array(signs) * each)
    return noise


def _best(
    rows: Rows, ordered: np.ndarray, keys: np.ndarray, perturbation: Perturbation, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The perturbed mean of the best quarter (ceil(n/4) partners, at least BEST_LEAST, else NaN) and its size.

    Partners tied with the quarter's last member do not grow it: a quarter is never the
    mean of fewer partners than it says. KPIs
    without a direction have no best quarter. `ordered`: each row sorted ascending, NaN last.
    """
    size = np.ceil(n / 4).astype(np.int64)
    shown = rows.directed & (size >= BEST_LEAST)
    lower = rows.lower_is_better
    at = np.where(lower, size - 1, n - size).clip(0, None)
    threshold = np.take_along_axis(ordered, at[:, None], axis=1)
    matrix = rows.matrix
    with np.errstate(invalid="ignore"):
        beyond = np.where(lower[:, None], matrix < threshold, matrix > threshold)
        tied = matrix == threshold
    room = size - beyond.sum(axis=1)
    chosen = beyond | (tied & (np.cumsum(tied, axis=1) <= room[:, None]))
    for row in np.flatnonzero(tied.sum(axis=1) > room):
        # More partners tied than places left: those with the smallest record keys take them, so
        # that the quarter, and its noise, do not depend on the order the members come in.
        candidates = np.flatnonzero(tied[row])
        chosen[row, candidates] = False
        chosen[row, candidates[np.argsort(keys[candidates], kind="stable")[: room[row]]]] = True
    chosen &= shown[:, None]
    totals = np.where(chosen, matrix, 0.0).sum(axis=1)
    noise = perturbation.sum_noise(matrix, chosen, keys, _identities("best", tuple(rows.keys)))
    with np.errstate(invalid="ignore", divide="ignore"):
        best = np.where(shown, (totals + noise) / size, np.nan)
    return best, np.where(shown, size, 0)


def jittered_position(
    values: np.ndarray, own: int, record_keys: np.ndarray, key: str, lower_is_better: bool, perturbation: Perturbation
) -> Position | None:
    """The own partner's rank and percentile among the others, each of them seen through a
    perturbation of its own: share/4 to share/2 of its value (6 to 12.5 % by default), drawn by
    its record key, the KPI and who contributes to the cell.

    Against exact values a partner could move its own figure until its rank changes and so
    read a neighbour's exact value; against these it reads a perturbed one, and when a late
    reporter joins, every other partner's perturbation changes with it.
    """
    own_value = float(values[own])
    if math.isnan(own_value):
        return None
    keys = np.asarray(record_keys, dtype=np.uint64)
    present = ~np.isnan(values)
    with np.errstate(over="ignore"):
        drawn = keys + set_keys(keys, present)
    jitter = perturbation.table.lookup(cell_keys(drawn, identity("rank", key)))
    others = np.delete(values * (1 + perturbation.share / 2 * jitter), own)
    others = others[~np.isnan(others)]
    better = int(((others < own_value) if lower_is_better else (others > own_value)).sum())
    n = len(others) + 1
    percentile = 100.0 if n == 1 else (len(others) - better) / (n - 1) * 100
    return Position(own_value, better + 1, percentile)
