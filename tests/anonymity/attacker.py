"""The attacker's arithmetic: every released sum it saw, solved by least squares for the figures it lacks.

An observation is one released cell of one KPI: its contributors (the attacker is assumed
to know exactly who contributes, the worst case), the months it sums, and n × mean. The
unknowns are the monthly figures of every partner the attacker does not know. A figure
counts as attributable when the releases would determine it exactly without noise: a
single month of a partner, or a partner's total over a span some release sums.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

Cell = tuple[int, date]  # partner number, month


@dataclass(frozen=True)
class Observation:
    partners: frozenset[int]
    months: tuple[date, ...]
    total: float  # released n × mean


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
        return (
            f"{len(self.estimates)} attributable figures, median error {self.median_error:.1%}, "
            f"{self.close_share:.1%} within ±2 %"
        )


def solve(observations: Iterable[Observation], known: Mapping[Cell, float], truth: Mapping[Cell, float]) -> Verdict:
    """Least squares over the observations, the `known` figures moved to the right-hand side."""
    rows = [o for o in observations if o.partners]
    unknown = sorted({(p, m) for o in rows for p in o.partners for m in o.months} - set(known))
    if not rows or not unknown:
        return Verdict([])
    column = {cell: i for i, cell in enumerate(unknown)}
    a = np.zeros((len(rows), len(unknown)))
    b = np.zeros(len(rows))
    for r, o in enumerate(rows):
        rest = o.total
        for p in o.partners:
            for m in o.months:
                if (p, m) in column:
                    a[r, column[(p, m)]] = 1.0
                else:
                    rest -= known[(p, m)]
        b[r] = rest
    scale = np.abs(b).max() or 1.0
    guess = np.linalg.lstsq(a, b / scale, rcond=None)[0] * scale
    _, singular, vt = np.linalg.svd(a, full_matrices=False)
    basis = vt[singular > 1e-9 * singular.max()]
    targets = _targets(rows, unknown, column)
    estimates = []
    for partner, months, vector in targets:
        if np.linalg.norm(vector - basis.T @ (basis @ vector)) > 1e-6 * np.linalg.norm(vector):
            continue  # not determined by the releases: nothing the attacker could attribute
        true = sum(truth[(partner, m)] for m in months)
        if true != 0:
            estimates.append(Estimate(partner, months, true, float(vector @ guess)))
    return Verdict(estimates)


def _targets(
    rows: list[Observation], unknown: list[Cell], column: dict[Cell, int]
) -> list[tuple[int, tuple[date, ...], np.ndarray]]:
    """Every unknown month of a partner, and its total over every span some release sums."""
    spans = {o.months for o in rows}
    partners = sorted({p for p, _ in unknown})
    found = []
    for partner in partners:
        for months in sorted(spans | {(m,) for p, m in unknown if p == partner}):
            cells = [(partner, m) for m in months]
            if not all(c in column for c in cells):
                continue
            vector = np.zeros(len(unknown))
            vector[[column[c] for c in cells]] = 1.0
            found.append((partner, months, vector))
    return found
