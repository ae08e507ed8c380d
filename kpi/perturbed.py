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
    spread = exact[2] - exact[0]
    perturbed = [
        q + perturbation.quantile_noise(ordered, n, share, key_sums, _identities(name, names), spread)
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
    """Each KPI's noise on its sum; an additive KPI's is the same sum of its terms' noises over its members.

    A term's noise over the additive KPI's members is its own cell's noise wherever the two
    have the same members (nearly always): only the others are drawn apart.
    """
    own = perturbation.sum_noise(rows.matrix, present, keys, _identities("sum", tuple(rows.keys)))
    at = {key: i for i, key in enumerate(rows.keys)}
    noise = own.copy()
    apart: list[tuple[int, int, str]] = []  # (KPI, sign, term) whose members differ from the term's cell
    for i, key in enumerate(rows.keys):
        terms = rows.terms.get(key)
        if terms is None:
            continue
        noise[i] = 0.0
        for sign, term in terms:
            j = at.get(term)
            if j is not None and np.array_equal(present[j], present[i]):
                noise[i] += sign * own[j]
            else:
                apart.append((i, sign, term))
    if apart:
        each = perturbation.sum_noise(
            np.vstack([rows.base[term] for _, _, term in apart]),
            np.vstack([present[i] for i, _, _ in apart]),
            keys,
            np.array([identity("sum", term) for _, _, term in apart], dtype=np.uint64),
        )
        np.add.at(noise, [i for i, _, _ in apart], np.array([sign for _, sign, _ in apart]) * each)
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
    best = np.full(len(size), np.nan)
    rows_shown = np.flatnonzero(shown)
    if len(rows_shown) == 0:
        return best, np.zeros_like(size)
    matrix, lower, k = rows.matrix[rows_shown], rows.lower_is_better[rows_shown], size[rows_shown]
    at = np.where(lower, k - 1, n[rows_shown] - k).clip(0, None)
    threshold = np.take_along_axis(ordered[rows_shown], at[:, None], axis=1)
    signed = np.where(lower[:, None], -matrix, matrix)  # larger is better now; NaN stays NaN
    signed_threshold = np.where(lower[:, None], -threshold, threshold)
    with np.errstate(invalid="ignore"):
        beyond = signed > signed_threshold
        tied = matrix == threshold
    room = k - beyond.sum(axis=1)
    chosen = beyond | tied
    for row in np.flatnonzero(tied.sum(axis=1) > room):
        # More partners tied than places left: those with the smallest record keys take them, so
        # that the quarter, and its noise, do not depend on the order the members come in.
        candidates = np.flatnonzero(tied[row])
        chosen[row, candidates] = False
        chosen[row, candidates[np.argsort(keys[candidates], kind="stable")[: room[row]]]] = True
    totals = np.where(chosen, matrix, 0.0).sum(axis=1)
    names = tuple(rows.keys[i] for i in rows_shown.tolist())
    noise = perturbation.sum_noise(matrix, chosen, keys, _identities("best", names))
    best[rows_shown] = (totals + noise) / k
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
