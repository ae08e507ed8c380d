"""The charts of the analysis page: which exist, which switches each offers, which KPIs it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from app.analysis.chart_parts import Chart, Inputs, Switches
from app.analysis.charts import (
    PERCENT_KEYS,
    REVENUE_SEGMENTS,
    attainment,
    comparison,
    distribution,
    expectations,
    profile,
    reporting,
    revenue_mix,
    segment_change,
)
from app.analysis.table import Row
from app.analysis.views import ChartView
from kpi.variants import Basis, variant_key

COMPARISONS: list[tuple[str, str, list[str]]] = [
    (
        "margins",
        "Rohertrag und Kostenquoten (%)",
        ["gross_margin", "personnel_ratio", "marketing_ratio", "result_ratio"],
    ),
    ("aftersales", "Service und Teile: Anteil am Umsatz (%)", ["aftersales_share"]),
    ("workshop", "Werkstattauslastung (%)", ["utilisation"]),
    ("rate", "Werkstatterlös je produktive Stunde (EUR)", ["rate_per_hour"]),
    ("stock", "Lagerumschlag p. a.", ["stock_turnover"]),
    ("backlog", "Auftragsreichweite (Monate, nur Gruppenwerte)", ["backlog_months"]),
    ("warranty", "Garantie: Anerkennungsquote und Anteil am Werkstattumsatz (%)", ["warranty_rate", "warranty_share"]),
    ("receivables", "Forderungen: Laufzeit (Tage)", ["dso"]),
    ("overdue", "Überfälligkeitsquote (%)", ["overdue_share"]),
    ("productivity", "Umsatz je Mitarbeiter und je aktivem Kunden (EUR)", ["revenue_per_fte", "revenue_per_customer"]),
    ("area", "Umsatz je m² Fläche (EUR)", ["revenue_per_m2"]),
    ("market", "Marktausschöpfung (%)", ["market_share"]),
]


AMOUNTS: list[tuple[str, str, list[str], tuple[Basis, ...]]] = [
    (
        "revenue",
        "Umsatz nach Sparten",
        ["revenue_total", *REVENUE_SEGMENTS],
        (Basis.ABSOLUTE, Basis.PER_EMPLOYEE, Basis.SHARE),
    ),
    (
        "costs",
        "Wareneinsatz und Kosten",
        ["cogs", "personnel_costs", "operating_costs", "marketing_spend"],
        (Basis.ABSOLUTE, Basis.PER_EMPLOYEE, Basis.SHARE),
    ),
    (
        "stock-amounts",
        "Lagerbestände",
        ["stock_new", "stock_used", "stock_parts"],
        (Basis.ABSOLUTE, Basis.PER_EMPLOYEE),
    ),
]

# Short axis labels for the amount charts (the title says "Umsatz", "je Mitarbeiter"; the table has full names).
AXIS_LABELS = {
    "revenue_total": "Gesamt",
    "revenue_new": "Neumaschinen",
    "revenue_used": "Gebraucht",
    "revenue_parts": "Ersatzteile",
    "revenue_workshop": "Werkstatt",
    "revenue_other": "Sonstige",
    "cogs": "Wareneinsatz",
    "personnel_costs": "Personal",
    "operating_costs": "Betriebskosten",
    "marketing_spend": "Marketing",
    "stock_new": "Neumaschinen",
    "stock_used": "Gebraucht",
    "stock_parts": "Ersatzteile",
}

BASIS_TITLES = {Basis.ABSOLUTE: "EUR", Basis.PER_EMPLOYEE: "EUR je Mitarbeiter", Basis.SHARE: "% vom Umsatz"}


@dataclass(frozen=True)
class Spec:
    """One chart of the page: how it is built, which switches it has, which KPIs it needs."""

    id: str
    build: Callable[[Inputs, ChartView], Chart | None]
    switches: Switches
    needs: frozenset[str]
    own: bool = False  # draws the partner's own values only (empty for staff until they pick one)


def _amounts(chart_id: str, title: str, keys: list[str]) -> Callable[[Inputs, ChartView], Chart]:
    def build(data: Inputs, view: ChartView) -> Chart:
        wanted = [variant_key(k, view.basis) for k in keys]
        return comparison(chart_id, f"{title} ({BASIS_TITLES[view.basis]})", wanted, data, AXIS_LABELS)

    return build


def _compared(chart_id: str, title: str, keys: list[str]) -> Callable[[Inputs, ChartView], Chart]:
    return lambda data, view: comparison(chart_id, title, keys, data)


SPECS: list[Spec] = [
    Spec("profile", lambda d, v: profile(d.rows), Switches(), frozenset(), own=True),
    Spec("reporting", lambda d, v: reporting(d.status), Switches(spans=False), frozenset()),
    Spec("mix", lambda d, v: revenue_mix(d), Switches(prior=True), frozenset(REVENUE_SEGMENTS)),
    Spec("segment-change", lambda d, v: segment_change(d.rows), Switches(), frozenset(REVENUE_SEGMENTS), own=True),
    *(
        Spec(chart_id, _amounts(chart_id, title, keys), Switches(bases=bases, prior=True), frozenset(keys))
        for chart_id, title, keys, bases in AMOUNTS
    ),
    Spec("distribution", lambda d, v: distribution(d.rows, d.benchmark), Switches(), frozenset(PERCENT_KEYS)),
    Spec("expectations", lambda d, v: expectations(d.rows), Switches(), frozenset({"expectation"})),
    *(
        Spec(chart_id, _compared(chart_id, title, keys), Switches(prior=True), frozenset(keys))
        for chart_id, title, keys in COMPARISONS
    ),
    Spec("targets", lambda d, v: attainment(d.rows, d.benchmark), Switches(), frozenset()),
]
SPEC_BY_ID = {spec.id: spec for spec in SPECS}

# The page's sections, each a topic with its charts (the course of a KPI opens in „Überblick“).
TOPICS: list[tuple[str, str, list[str]]] = [
    ("ueberblick", "Überblick", ["profile", "targets", "reporting", "expectations"]),
    ("umsatz", "Umsatz", ["revenue", "mix", "segment-change"]),
    ("ertrag", "Ertrag und Kosten", ["margins", "costs", "distribution"]),
    ("service", "Werkstatt, Service und Garantie", ["aftersales", "workshop", "rate", "warranty"]),
    ("lager", "Lager und Aufträge", ["stock", "stock-amounts", "backlog"]),
    ("forderungen", "Forderungen", ["receivables", "overdue"]),
    ("markt", "Produktivität und Markt", ["productivity", "area", "market"]),
]


def shown_specs(rows: list[Row], benchmark: dict[str, Any]) -> list[Spec]:
    """The charts this user gets: those with at least one KPI they may see (the rest would be empty)."""
    keys = {r.key for r in rows}
    has_targets = any(r.attainment is not None for r in rows)
    return [spec for spec in SPECS if (not spec.needs or spec.needs & keys) and (spec.id != "targets" or has_targets)]


PICK_PARTNER = "Wählen Sie oben einen Partner: dieses Diagramm zeigt dessen eigene Werte."


def build_chart(spec: Spec, data: Inputs, view: ChartView) -> Chart | None:
    chart = spec.build(data, view)
    if chart is None:
        return None
    empty = PICK_PARTNER if chart.empty and spec.own and not data.has_subject else chart.empty
    return replace(chart, switches=spec.switches, view=view, empty=empty)
