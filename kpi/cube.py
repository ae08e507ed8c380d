"""Figures as a cube partners × months × metrics, aggregated over a span by each metric's time kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from kpi.formula import Vector
from kpi.periods import Span, span_months


@dataclass
class Cube:
    """`values[p, m, k]`: partner p, month m, metric k; NaN where nothing was reported."""

    partners: list[int]
    months: list[date]
    keys: list[str]
    values: np.ndarray
    _month_index: dict[date, int] = field(init=False, repr=False)
    _key_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._month_index = {m: i for i, m in enumerate(self.months)}
        self._key_index = {k: i for i, k in enumerate(self.keys)}

    @classmethod
    def empty(cls, partners: list[int], months: list[date], keys: list[str]) -> Cube:
        return cls(partners, months, keys, np.full((len(partners), len(months), len(keys)), np.nan))

    def series(self, key: str) -> np.ndarray:
        """partners × months of one metric."""
        return self.values[:, :, self._key_index[key]]

    def aggregate(self, span: Span, period: date, time_kinds: dict[str, str]) -> dict[str, Vector]:
        """Each metric over the span, per partner: flows summed, stocks at the end, averages as the mean.

        A partner missing any month of the span gets no value for the span: a year with a
        hole in it would not be comparable.
        """
        wanted = span_months(span, period)
        found = [self._month_index.get(m) for m in wanted]
        columns = [c for c in found if c is not None]
        out: dict[str, Vector] = {}
        if len(columns) < len(wanted):
            nothing = np.full(len(self.partners), np.nan)
            return {key: nothing.copy() for key in self.keys}
        block = self.values[:, columns, :]  # partners × span months × metrics
        complete = ~np.isnan(block).any(axis=1)
        sums = block.sum(axis=1)
        for key, k in self._key_index.items():
            kind = time_kinds.get(key, "flow")
            if kind == "stock":
                column = block[:, -1, k]
            elif kind == "average":
                column = sums[:, k] / len(wanted)
            else:
                column = sums[:, k]
            out[key] = np.where(complete[:, k], column, np.nan)
        return out
