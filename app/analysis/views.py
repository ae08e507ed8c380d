"""A chart's own detail view, chosen with its switch buttons and kept in the URL (`ansicht=`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kpi.periods import Span
from kpi.variants import Basis

SPAN_BUTTONS = {
    Span.MONTH: "Monat",
    Span.QUARTER: "Quartal",
    Span.YTD: "Jahr bis dato",
    Span.YEAR: "Jahr",
    Span.R12: "12 Monate rollierend",
}


@dataclass(frozen=True)
class ChartView:
    span: Span
    basis: Basis = Basis.ABSOLUTE
    prior: bool = False

    def token(self, chart_id: str) -> str:
        return f"{chart_id}.{self.span.value}.{self.basis.value}.{'vj' if self.prior else '-'}"

    def differs_from(self, span: Span) -> bool:
        return self != ChartView(span)

    def switched(self, *, span: Span | None = None, basis: Basis | None = None, prior: bool | None = None) -> ChartView:
        return ChartView(span or self.span, basis or self.basis, self.prior if prior is None else prior)


def parse_views(tokens: Iterable[str]) -> dict[str, ChartView]:
    """`ansicht` values of the URL as chart id -> view; anything malformed is ignored (a stale bookmark)."""
    views = {}
    for token in tokens:
        parts = token.split(".")
        if len(parts) != 4:
            continue
        chart_id, span, basis, prior = parts
        if span in Span.__members__.values() and basis in Basis.__members__.values() and prior in ("vj", "-"):
            views[chart_id] = ChartView(Span(span), Basis(basis), prior == "vj")
    return views
