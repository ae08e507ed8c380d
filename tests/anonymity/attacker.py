"""The attacker's arithmetic: every released sum it saw, solved by least squares for the figures it lacks.

An observation is one released cell of one KPI: its contributors (the attacker is assumed
to know exactly who contributes, the worst case), how the cell adds their monthly figures
(flows: every month, stocks: the last, averages: each month / months), and n × mean. The
unknowns are the monthly figures of every partner the attacker does not know, one per
version where a partner corrected a month. A figure counts as attributable when the
releases would determine it exactly without noise: a partner's month, or its total over
a span some release covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

Cell = tuple[int, date, int]  # partner number, month, version of the month (0 unless corrected)


@dataclass(frozen=True)
class Observation:
    partners: frozenset[int]
    weights: tuple[tuple[date, float], ...]  # each month of the span and its weight in the aggregate
    total: float  # released n × mean
    version: int = 0  # the releases after a correction see its new version


@dataclass(frozen=True)
class Estimate:
    partner: int
    months: tuple[date, ...]
    truth: float
    guess: float

    @property
    def error(self) -> float:
        return abs(self.guess - self.truth) / abs(self.truth)


@dataclass(frozen=True)
class Verdict:
    estimates: list[Estimate]

    @property
    def median_error(self) -> float:
        return float(np.median([e.error for e in self.estimates])) if self.estimates else float("inf")

    @property
    def close_share(self) -> float:
        """The share of estimates within ±2 % of the truth."""
        return float(np.mean([e.error <= 0.02 for e in self.estimates])) if self.estimates else 0.0

    def summary(self) -> str:
        closest = sorted(self.estimates, key=lambda e: e.error)[:3]
        return (
            f"{len(self.estimates)} attributable figures, median error {self.median_error:.1%}, "
            f"{self.close_share:.1%} within ±2 % (closest: "
            + ", ".join(f"{e.partner} {len(e.months)} Mon. {e.error:.1%}" for e in closest)
            + ")"
        )


def solve(
    observations: Iterable[Observation],
    known: Mapping[tuple[int, date], float],
    truth: Mapping[Cell, float],
    corrected: frozenset[tuple[int, date]] = frozenset(),
) -> Verdict:
    """Least squares over the observations, the `known` figures moved to the right-hand side.

    `truth` holds every figure by version; `corrected`: the (partner, month) whose versions differ.
    """

    def cell(partner: int, month: date, version: int) -> Cell:
        return (partner, month, version if (partner, month) in corrected else 0)

    rows = [o for o in observations if o.partners]
    unknown = sorted(
        {cell(p, m, o.version) for o in rows for p in o.partners for m, _ in o.weights if (p, m) not in known}
    )
    if not rows or not unknown:
        return Verdict([])
    column = {c: i for i, c in enumerate(unknown)}
    a = np.zeros((len(rows), len(unknown)))
    b = np.zeros(len(rows))
    for r, o in enumerate(rows):
        rest = o.total
        for p in o.partners:
            for m, weight in o.weights:
                if (p, m) in known:
                    rest -= weight * known[(p, m)]
                else:
                    a[r, column[cell(p, m, o.version)]] += weight
        b[r] = rest
    scale = float(np.abs(b).max()) or 1.0
    guess = np.linalg.lstsq(a, b / scale, rcond=None)[0] * scale
    _, singular, vt = np.linalg.svd(a, full_matrices=False)
    basis = vt[singular > 1e-9 * singular.max()]
    estimates = []
    for partner, months, cells in _targets(rows, unknown, cell):
        vector = np.zeros(len(unknown))
        vector[[column[c] for c in cells]] = 1.0
        if np.linalg.norm(vector - basis.T @ (basis @ vector)) > 1e-6 * np.linalg.norm(vector):
            continue  # not determined by the releases: nothing the attacker could attribute
        true = sum(truth[c] for c in cells)
        if true != 0:
            estimates.append(Estimate(partner, months, true, float(vector @ guess)))
    return Verdict(estimates)


def _targets(
    rows: list[Observation], unknown: list[Cell], cell: object
) -> list[tuple[int, tuple[date, ...], list[Cell]]]:
    """Every unknown month of a partner (each version), and its total over every span some release covers."""
    present = set(unknown)
    spans = {(tuple(m for m, _ in o.weights), o.version) for o in rows}
    found: list[tuple[int, tuple[date, ...], list[Cell]]] = [(p, (m,), [(p, m, v)]) for p, m, v in unknown]
    for partner in sorted({p for p, _, _ in unknown}):
        for months, version in sorted(spans):
            if len(months) < 2:
                continue
            cells = [cell(partner, m, version) for m in months]  # type: ignore[operator]
            if all(c in present for c in cells):
                found.append((partner, months, cells))
    return found
