"""Compiling a metric catalogue: every formula parsed, unknown names and cycles refused, evaluation order fixed."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from kpi.formula import Formula, FormulaError, Vector, evaluate, parse

MONTHS = "months"  # the number of months of the selected span, for annualising


@dataclass(frozen=True)
class CompiledMetric:
    key: str
    formula: Formula


class CompiledCatalogue:
    """The derived metrics of a catalogue in an order where every input is computed first."""

    def __init__(self, base_keys: Iterable[str], formulas: dict[str, str]) -> None:
        base = set(base_keys)
        parsed: dict[str, Formula] = {}
        for key, text in formulas.items():
            try:
                parsed[key] = parse(text)
            except FormulaError as exc:
                raise FormulaError(f"{key}: {exc}") from exc
        known = base | set(parsed) | {MONTHS}
        unknown = {key: sorted(f.names - known) for key, f in parsed.items() if f.names - known}
        if unknown:
            detail = "; ".join(f"{key} kennt {', '.join(names)} nicht" for key, names in sorted(unknown.items()))
            raise FormulaError(f"Unbekannte Namen in Formeln: {detail}.")
        self.order = [CompiledMetric(key, parsed[key]) for key in _topological(parsed)]
        self.base_keys = frozenset(base)

    @property
    def derived_keys(self) -> list[str]:
        return [m.key for m in self.order]

    def derive(self, inputs: dict[str, Vector], months: int, only: Collection[str] | None = None) -> dict[str, Vector]:
        """The derived metrics over vectors of aggregated inputs (one element per partner): all, or
        `only` these (which must include the derived metrics they are computed through: `through`)."""
        env: dict[str, Vector | float] = {**inputs, MONTHS: float(months)}
        out: dict[str, Vector] = {}
        for metric in self.order:
            if only is not None and metric.key not in only:
                continue
            out[metric.key] = evaluate(metric.formula, env)
            env[metric.key] = out[metric.key]
        return out

    def through(self, key: str) -> set[str]:
        """The derived metrics a metric is computed through, itself included (empty for a base metric)."""
        return {k for k in self._reach(key) if k not in self.base_keys}

    def dependencies(self, key: str) -> set[str]:
        """The base metrics a derived metric rests on, through every level of formulas."""
        return {k for k in self._reach(key) if k in self.base_keys}

    def _reach(self, key: str) -> set[str]:
        """The metric and every metric its formula names, through every level."""
        by_key = {m.key: m.formula for m in self.order}
        seen: set[str] = set()
        stack = [key]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(by_key[current].names if current in by_key else ())
        return seen


def _topological(parsed: dict[str, Formula]) -> list[str]:
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(key: str, path: list[str]) -> None:
        if state.get(key) == "done":
            return
        if state.get(key) == "open":
            cycle = [*path[path.index(key) :], key]
            raise FormulaError(f"Zirkelbezug in Formeln: {' → '.join(cycle)}.")
        state[key] = "open"
        for name in sorted(parsed[key].names):
            if name in parsed:
                visit(name, [*path, key])
        state[key] = "done"
        order.append(key)

    for key in parsed:
        visit(key, [])
    return order
