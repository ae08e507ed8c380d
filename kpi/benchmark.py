"""A group's benchmark for one period and span: every KPI's statistics, release decision and own position."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np

from kpi.anonymity import AnonymityPolicy, primary_reason, rounded, secondary_suppression
from kpi.catalogue_check import CompiledCatalogue
from kpi.cellkey import Perturbation
from kpi.cube import Cube
from kpi.formula import Vector, additive_terms
from kpi.periods import Span, prior_year, span_months
from kpi.perturbed import Rows, jittered_position, released_stats
from kpi.stats import GroupStats, Position, change
from kpi.variants import BASIS_LABELS, HEADCOUNT, REVENUE, Basis, Variant, variants_of


@dataclass(frozen=True)
class MetricInfo:
    key: str
    label: str
    time_kind: str | None
    better: str | None
    summed: bool  # an absolute amount (EUR, hours, units ...) whose shares the dominance rule looks at


@dataclass(frozen=True)
class Cell:
    key: str
    stats: GroupStats | None  # released figures (rounded), None when hidden or empty
    hidden: str | None  # why the group figures are hidden
    own: Position | None
    own_prior: float
    change: float  # own value against the prior year, %


@dataclass
class Engine:
    """Everything about the catalogue that does not change between requests, prepared once."""

    catalogue: CompiledCatalogue
    metrics: dict[str, MetricInfo]
    policy: AnonymityPolicy = field(default_factory=AnonymityPolicy)
    perturbation: Perturbation = field(default_factory=Perturbation)
    variants: dict[str, Variant] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.time_kinds = {k: m.time_kind or "flow" for k, m in self.metrics.items()}
        self.stock_keys = [k for k, kind in self.time_kinds.items() if kind == "stock"]
        self.relations = [
            (m.key, [name for _, name in terms])
            for m in self.catalogue.order
            if (terms := additive_terms(m.formula)) is not None
        ]
        self.dependencies = {key: self.catalogue.dependencies(key) for key in self.catalogue.derived_keys}
        self.through = {key: self.catalogue.through(key) for key in self.catalogue.derived_keys}
        self.labels = {k: m.label for k, m in self.metrics.items()}
        self.base_terms = _base_terms(self.catalogue)

    def inputs_of(self, key: str) -> list[str]:
        """The entered metrics one metric is computed from (itself, if entered): what a cube for it needs."""
        return sorted(self.dependencies.get(key, {key}))

    def values(self, cube: Cube, span: Span, period: date, only: str | None = None) -> dict[str, Vector]:
        """All metrics, entered and derived, per partner of the cube for the span ending at `period`;
        with `only`, that metric and what it is computed through (from a cube of `inputs_of(only)`).

        A stock shows its value at the span's end, but a ratio divides by its average over the
        span's month ends (stock turnover, DSO, revenue per m²): a closing value alone would
        weigh one day against a year of flows (2025 median stock turnover 3.89, not 4.51).
        """
        inputs = cube.aggregate(span, period, self.time_kinds)
        months = len(span_months(span, period))
        if months > 1 and self.stock_keys:
            averaged = cube.aggregate(span, period, dict.fromkeys(self.stock_keys, "average"))
            in_formulas = {**inputs, **{k: averaged[k] for k in self.stock_keys if k in averaged}}
        else:
            in_formulas = inputs
        wanted = None if only is None else self.through.get(only, set())
        return {**inputs, **self.catalogue.derive(in_formulas, months, wanted)}

    def benchmark(
        self,
        cube: Cube,
        members: Sequence[int],
        own: int | None,
        span: Span,
        period: date,
        record_keys: np.ndarray,
        keys: Sequence[str] | None = None,
        values: tuple[dict[str, Vector], dict[str, Vector]] | None = None,
    ) -> dict[str, Cell]:
        """Per KPI: the released statistics over `members` (row indices of the cube) and the own partner's place.

        Released figures are perturbed by the members' `record_keys` (kpi.cellkey), one per
        member; the own partner's value and change are its own, exact. `values` (this span's
        and the prior year's, from `values()`) may be passed in when several groups are
        computed for the same span and period.
        """
        current, prior = values or (self.values(cube, span, period), self.values(cube, span, prior_year(period)))
        rows = np.asarray(members, dtype=np.intp)
        own_row = list(members).index(own) if own is not None and own in members else None
        wanted = list(keys or current)
        matrix = np.vstack([current[key][rows] for key in wanted])
        many = released_stats(self._rows(wanted, matrix, current, rows), record_keys, self.perturbation)
        reasons = self._hidden(wanted, matrix, current, rows, many.n)
        cells = {}
        for i, key in enumerate(wanted):
            own_position = None
            if own_row is not None and self._better(key) is not None:
                own_position = jittered_position(
                    matrix[i], own_row, record_keys, key, self._better(key) == "lower", self.perturbation
                )
            elif own_row is not None and not math.isnan(matrix[i, own_row]):
                own_position = Position(float(matrix[i, own_row]), 0, math.nan)  # no rank without a direction
            own_prior = float(prior[key][own]) if own_row is not None and own is not None and prior else math.nan
            released = None if key in reasons else _rounded(many.row(i))
            own_change = change(own_position.value, own_prior) if own_position else math.nan
            cells[key] = Cell(key, released, reasons.get(key), own_position, own_prior, own_change)
        return cells

    def _rows(self, wanted: list[str], matrix: np.ndarray, current: dict[str, Vector], rows: np.ndarray) -> Rows:
        lower = np.array([self._better(key) == "lower" for key in wanted])
        directed = np.array([self._better(key) is not None for key in wanted])
        terms = {key: self.base_terms[key] for key in wanted if key in self.base_terms}
        base = {term: current[term][rows] for found in terms.values() for _, term in found}
        return Rows(wanted, matrix, lower, directed, terms, base)

    def _hidden(
        self, wanted: list[str], matrix: np.ndarray, current: dict[str, Vector], rows: np.ndarray, n: np.ndarray
    ) -> dict[str, str]:
        """Why each hidden cell is hidden: too few contributors, a dominant one, or a relation giving it back."""
        present = ~np.isnan(matrix)
        reasons: dict[str, str] = {}
        dominance: dict[tuple[str, bytes], str | None] = {}
        for i, key in enumerate(wanted):
            reason = primary_reason(int(n[i]), {}, self.policy)
            for dep in self._summed_inputs(key):
                if reason:
                    break
                mask = present[i]
                cache_key = (dep, np.packbits(mask).tobytes())
                if cache_key not in dominance:
                    dominance[cache_key] = primary_reason(
                        int(mask.sum()), {dep: current[dep][rows][mask]}, self.policy, self.labels
                    )
                reason = dominance[cache_key]
            if reason:
                reasons[key] = reason
        # Only a cell hidden although it has figures needs protecting, and only a relation whose
        # members all have figures can give it back; a cell without any figures reveals nothing.
        has_figures = {key for i, key in enumerate(wanted) if n[i] > 0}
        relations = [(t, ts) for t, ts in self.relations if {t, *ts} <= has_figures]
        protected = {key: reason for key, reason in reasons.items() if key in has_figures}
        return {**reasons, **secondary_suppression(protected, relations, self.labels)}

    def series(self, cube: Cube, months: Sequence[date], only: str | None = None) -> dict[str, np.ndarray]:
        """Every metric (or `only` one, as in `values`) month by month: partners × months matrices,
        computed in one pass."""
        columns = [cube.months.index(m) for m in months]
        block = cube.values[:, columns, :]
        inputs = {key: block[:, :, k] for k, key in enumerate(cube.keys)}
        wanted = None if only is None else self.through.get(only, set())
        return {**inputs, **self.catalogue.derive(inputs, 1, wanted)}

    def _better(self, key: str) -> str | None:
        return self.metrics[key].better if key in self.metrics else None

    def _summed_inputs(self, key: str) -> list[str]:
        inputs = self.dependencies.get(key, {key})
        return sorted(k for k in inputs if k in self.metrics and self.metrics[k].summed)


def _base_terms(catalogue: CompiledCatalogue) -> dict[str, list[tuple[int, str]]]:
    """Every derived KPI that is a plain sum of others, as signed terms of entered metrics."""
    found: dict[str, list[tuple[int, str]]] = {}
    for metric in catalogue.order:
        terms = additive_terms(metric.formula)
        if terms is None:
            continue
        expanded: list[tuple[int, str]] = []
        for sign, name in terms:
            expanded.extend((sign * inner, term) for inner, term in found.get(name, [(1, name)]))
        found[metric.key] = expanded
    return found


def _rounded(stats: GroupStats | None) -> GroupStats | None:
    if stats is None:
        return None
    return GroupStats(
        stats.n,
        rounded(stats.median),
        rounded(stats.q1),
        rounded(stats.q3),
        rounded(stats.best),
        stats.best_n,
        rounded(stats.mean),
    )


SUMMED_UNITS = {"EUR", "Stück", "h", "Anzahl", "m²", "VZÄ"}


class MetricRecord(Protocol):
    key: str
    kind: str
    unit: str
    time_kind: str | None
    formula: str | None
    better: str | None


def engine_for(
    records: Iterable[MetricRecord],
    labels: Mapping[str, str] | None = None,
    policy: AnonymityPolicy | None = None,
    variant_bases: Iterable[str] = (),
    perturbation: Perturbation | None = None,
) -> Engine:
    """An engine over a catalogue as stored (the seeded one, or as the Zentrale has edited it).

    `variant_bases`: amounts that charts also show per employee and as a share of
    revenue (kpi.variants); left out where the catalogue lacks what they divide by.
    """
    items = list(records)
    base = [r.key for r in items if r.kind != "derived"]
    formulas = {r.key: r.formula or "" for r in items if r.kind == "derived"}
    metrics = {
        r.key: MetricInfo(
            r.key,
            (labels or {}).get(r.key, r.key),
            r.time_kind,
            r.better,
            r.kind != "derived" and r.unit in SUMMED_UNITS,
        )
        for r in items
    }
    found: dict[str, Variant] = {}
    if {HEADCOUNT, REVENUE} <= metrics.keys():
        for key in variant_bases:
            if key in metrics:
                found.update((v.key, v) for v in variants_of(key, metrics[key].time_kind))
    for variant in found.values():
        info = metrics[variant.base]
        formulas[variant.key] = variant.formula
        better = info.better if variant.basis is Basis.PER_EMPLOYEE else None
        label = f"{info.label} ({BASIS_LABELS[variant.basis]})"
        metrics[variant.key] = MetricInfo(variant.key, label, None, better, summed=False)
    return Engine(
        CompiledCatalogue(base, formulas), metrics, policy or AnonymityPolicy(), perturbation or Perturbation(), found
    )
