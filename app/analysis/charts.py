"""Chart specifications (ECharts options) built from what the page may show; the browser only draws them.

Every chart draws released group figures and the own business only, never another
partner's value; each comes with its data as a table for reading and for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.analysis.table import Row
from app.analysis.views import ChartView
from kpi.variants import Basis

OWN_COLOUR, GROUP_COLOUR, BEST_COLOUR = "#2f6b3a", "#5b7fb8", "#b85c00"
QUARTILE_COLOURS = {"top": "#2f6b3a", "middle": "#98a39b", "bottom": "#b85c00", "none": "#c9d2cb"}


@dataclass(frozen=True)
class Switches:
    """Which detail views a chart offers with its buttons."""

    spans: bool = True
    bases: tuple[Basis, ...] = ()
    prior: bool = False


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    option: dict[str, Any]
    table_head: list[str]
    table_rows: list[list[str]]
    height_rem: float = 22
    switches: Switches = Switches(spans=False)
    view: ChartView | None = None


@dataclass(frozen=True)
class Inputs:
    """What one chart is drawn from: the rows of its span (with variants), the prior year's if asked."""

    rows: list[Row]
    benchmark: dict[str, Any]
    prior: list[Row] | None
    status: list[tuple[str, int, int]]


def _frame(*, legend: bool = True, trigger: str = "axis") -> dict[str, Any]:
    """Grid, legend and tooltip as every chart of the page has them."""
    frame: dict[str, Any] = {
        "grid": {"left": 8, "right": 16, "top": 40 if legend else 16, "bottom": 24, "containLabel": True},
        "tooltip": {"trigger": trigger},
    }
    if legend:
        frame["legend"] = {"top": 0}
    return frame


def _categories(labels: list[str]) -> dict[str, Any]:
    """A category axis of KPI labels, wrapped rather than overlapping."""
    return {
        "type": "category",
        "data": labels,
        "axisLabel": {"interval": 0, "width": 80, "overflow": "break", "fontSize": 11},
    }


def _number(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def profile(rows: list[Row]) -> Chart:
    """Strengths and weaknesses: the own percentile per KPI (100 = best of the group)."""
    placed = [r for r in rows if r.percentile is not None]
    option = {
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 24, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": 100, "name": "Perzentil"},
        "yAxis": {
            "type": "category",
            "data": [r.label for r in placed],
            "inverse": True,
            "axisLabel": {"width": 170, "overflow": "truncate"},
        },
        "tooltip": {"trigger": "axis"},
        "series": [
            {
                "type": "bar",
                "name": "Eigenes Perzentil",
                "data": [{"value": r.percentile, "itemStyle": {"color": QUARTILE_COLOURS[r.quartile]}} for r in placed],
            }
        ],
    }
    return Chart(
        "profile",
        "Stärken und Schwächen (eigenes Perzentil je Kennzahl)",
        option,
        ["Kennzahl", "Perzentil", "Rang"],
        [[r.label, _number(r.percentile), f"{r.rank} von {r.n}"] for r in placed],
    )


def trend(label: str, months: list[str], own: list[float | None], median: list[float | None], decimals: int) -> Chart:
    """The own course against the group median, month by month."""
    option = {
        **_frame(),
        "xAxis": {"type": "category", "data": [f"{m[5:]}/{m[2:4]}" for m in months]},
        "yAxis": {"type": "value"},
        "series": [
            {"type": "line", "name": "Eigener Betrieb", "data": own, "color": OWN_COLOUR, "connectNulls": False},
            {
                "type": "line",
                "name": "Median der Gruppe",
                "data": median,
                "color": GROUP_COLOUR,
                "lineStyle": {"type": "dashed"},
                "connectNulls": False,
            },
        ],
    }
    return Chart(
        "trend",
        f"{label}: eigener Verlauf und Median der Gruppe",
        option,
        ["Monat", "Eigener Betrieb", "Median der Gruppe"],
        [
            [f"{m[5:]}/{m[:4]}", _number(o, decimals), _number(g, decimals)]
            for m, o, g in zip(months, own, median, strict=True)
        ],
    )


def comparison(
    chart_id: str, title: str, keys: list[str], data: Inputs, axis_labels: dict[str, str] | None = None
) -> Chart:
    """Own value against the group median and the best quarter, KPI by KPI (hidden cells stay empty);
    with the prior year, the own value and the group median of the same span a year earlier beside them."""
    by_key = {r.key: r for r in data.rows}
    shown = [by_key[k] for k in keys if k in by_key]
    before = {r.key: r for r in data.prior or []}

    def series(name: str, colour: str, values: list[float | None], **style: Any) -> dict[str, Any]:
        return {"type": "bar", "name": name, "color": colour, "data": values, "barMaxWidth": 28, **style}

    columns: list[tuple[str, str, list[float | None], dict[str, Any]]] = [
        ("Eigener Betrieb", OWN_COLOUR, [r.own for r in shown], {}),
        ("Median der Gruppe", GROUP_COLOUR, [r.median for r in shown], {}),
        ("Beste 25 % (Ø)", BEST_COLOUR, [r.best for r in shown], {}),
    ]
    if data.prior is not None:
        faded = {"itemStyle": {"opacity": 0.55}}
        columns[1:1] = [("Eigener Betrieb Vorjahr", OWN_COLOUR, [_prior(before, r, "own") for r in shown], faded)]
        columns[3:3] = [("Median Vorjahr", GROUP_COLOUR, [_prior(before, r, "median") for r in shown], faded)]
    option = {
        **_frame(),
        "xAxis": _categories([(axis_labels or {}).get(r.key.split("@")[0], r.label) for r in shown]),
        "yAxis": {"type": "value"},
        "series": [series(name, colour, values, **style) for name, colour, values, style in columns],
    }
    return Chart(
        chart_id,
        title,
        option,
        ["Kennzahl", *(name for name, *_ in columns)],
        [
            [r.label]
            + [
                (r.hidden if name == "Median der Gruppe" and r.hidden else _number(values[i], r.decimals))
                for name, _, values, _ in columns
            ]
            for i, r in enumerate(shown)
        ],
    )


def _prior(before: dict[str, Row], row: Row, field: str) -> float | None:
    earlier = before.get(row.key)
    value: float | None = getattr(earlier, field) if earlier else None
    return value


REVENUE_SEGMENTS = ["revenue_new", "revenue_used", "revenue_parts", "revenue_workshop", "revenue_other"]


def revenue_mix(data: Inputs) -> Chart:
    """The own revenue split by segment against the split of the group medians, in % of the total."""
    by_key = {r.key: r for r in data.rows}
    segments = [by_key[k] for k in REVENUE_SEGMENTS if k in by_key]
    before = {r.key: r for r in data.prior or []}

    def shares(values: list[float | None]) -> list[float | None]:
        total = sum(v for v in values if v is not None)
        return [None if v is None or not total else round(v / total * 100, 1) for v in values]

    bars = {
        "Eigener Betrieb": shares([r.own for r in segments]),
        "Median der Gruppe": shares([r.median for r in segments]),
    }
    if data.prior is not None:
        bars["Eigener Betrieb Vorjahr"] = shares([_prior(before, r, "own") for r in segments])
        bars["Median Vorjahr"] = shares([_prior(before, r, "median") for r in segments])
    option = {
        **_frame(trigger="item"),
        "xAxis": {"type": "value", "max": 100, "name": "%"},
        "yAxis": {"type": "category", "data": list(bars), "inverse": True},
        "series": [
            {"type": "bar", "stack": "mix", "name": r.label, "data": [values[i] for values in bars.values()]}
            for i, r in enumerate(segments)
        ],
    }
    return Chart(
        "mix",
        "Umsatzmix nach Sparten (Anteil am Gesamtumsatz %)",
        option,
        ["Sparte", *(f"{name} %" for name in bars)],
        [[r.label, *(_number(values[i]) for values in bars.values())] for i, r in enumerate(segments)],
        height_rem=16 if data.prior is None else 22,
    )


def attainment(rows: list[Row], benchmark: dict[str, Any]) -> Chart:
    """Actual against target where the Zentrale set targets."""
    # Amounts in EUR only: machine counts on the same axis would vanish next to revenue.
    planned = [
        (r, benchmark["kpis"][r.key].get("target"))
        for r in rows
        if benchmark["kpis"][r.key].get("target") and r.unit == "EUR"
    ]
    option = {
        **_frame(),
        "xAxis": _categories([r.label for r, _ in planned]),
        "yAxis": {"type": "value"},
        "series": [
            {"type": "bar", "name": "Ist", "color": OWN_COLOUR, "data": [r.own for r, _ in planned]},
            {"type": "bar", "name": "Ziel", "color": "#c9d2cb", "data": [t for _, t in planned]},
        ],
    }
    return Chart(
        "targets",
        "Ziel und Ist",
        option,
        ["Kennzahl", "Ist", "Ziel", "Erreichung %"],
        [[r.label, _number(r.own, r.decimals), _number(t, r.decimals), _number(r.attainment)] for r, t in planned],
    )


def segment_change(rows: list[Row]) -> Chart:
    """The own change against the same span a year earlier, per revenue segment."""
    by_key = {r.key: r for r in rows}
    segments = [by_key[k] for k in REVENUE_SEGMENTS if k in by_key]
    option = {
        **_frame(legend=False),
        "xAxis": _categories([r.label for r in segments]),
        "yAxis": {"type": "value", "name": "%"},
        "series": [
            {
                "type": "bar",
                "name": "Veränderung zum Vorjahr %",
                "data": [
                    {"value": r.change, "itemStyle": {"color": OWN_COLOUR if (r.change or 0) >= 0 else BEST_COLOUR}}
                    for r in segments
                ],
            }
        ],
    }
    return Chart(
        "segment-change",
        "Veränderung zum Vorjahr nach Sparten (eigener Betrieb, %)",
        option,
        ["Sparte", "Veränderung %"],
        [[r.label, _number(r.change)] for r in segments],
        height_rem=16,
    )


PERCENT_KEYS = [
    "gross_margin",
    "personnel_ratio",
    "result_ratio",
    "aftersales_share",
    "utilisation",
    "overdue_share",
    "warranty_rate",
]


def distribution(rows: list[Row], benchmark: dict[str, Any]) -> Chart:
    """Where the own value sits in the group's middle half (quartiles and median), for the %-ratios.

    No minimum or maximum: those would be single partners' values.
    """
    shown = [r for r in rows if r.key in PERCENT_KEYS and r.q1 is not None]
    cells = benchmark["kpis"]
    option = {
        **_frame(trigger="item"),
        "xAxis": _categories([r.label for r in shown]),
        "yAxis": {"type": "value", "name": "%"},
        "series": [
            {
                "type": "boxplot",
                "name": "Mittlere Hälfte der Gruppe",
                "color": GROUP_COLOUR,
                "data": [[r.q1, r.q1, r.median, r.q3, r.q3] for r in shown],
            },
            {
                "type": "scatter",
                "name": "Eigener Betrieb",
                "color": OWN_COLOUR,
                "symbolSize": 12,
                "data": [[i, r.own] for i, r in enumerate(shown)],
            },
            {
                "type": "scatter",
                "name": "Beste 25 % (Ø)",
                "color": BEST_COLOUR,
                "symbol": "diamond",
                "data": [[i, cells[r.key].get("best")] for i, r in enumerate(shown)],
            },
        ],
    }
    return Chart(
        "distribution",
        "Verteilung der Quoten: mittlere Hälfte der Gruppe und eigener Wert",
        option,
        ["Kennzahl", "Unteres Quartil", "Median", "Oberes Quartil", "Eigener Wert"],
        [[r.label, _number(r.q1), _number(r.median), _number(r.q3), _number(r.own)] for r in shown],
    )


def expectations(rows: list[Row]) -> Chart | None:
    """The group's business expectation for the next six months (−1 to +1), aggregated only."""
    row = next((r for r in rows if r.key == "expectation"), None)
    if row is None:
        return None
    option = {
        **_frame(legend=False),
        "xAxis": {"type": "value", "min": -1, "max": 1},
        "yAxis": {"type": "category", "data": ["Median der Gruppe", "Eigene Einschätzung"]},
        "series": [{"type": "bar", "name": "Erwartung", "data": [row.median, row.own], "color": GROUP_COLOUR}],
    }
    return Chart(
        "expectations",
        "Geschäftserwartung nächste 6 Monate (−1 schlechter, +1 besser)",
        option,
        ["", "Wert"],
        [["Median der Gruppe", row.hidden or _number(row.median, 2)], ["Eigene Einschätzung", _number(row.own, 2)]],
        height_rem=12,
    )


def reporting(status: list[tuple[str, int, int]]) -> Chart:
    """How many partners of the group have reported, month by month (counts only, never who)."""
    option = {
        **_frame(),
        "xAxis": {"type": "category", "data": [m for m, _, _ in status]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "stack": "status",
                "name": "gemeldet",
                "color": OWN_COLOUR,
                "data": [done for _, done, _ in status],
            },
            {
                "type": "bar",
                "stack": "status",
                "name": "offen",
                "color": "#c9d2cb",
                "data": [total - done for _, done, total in status],
            },
        ],
    }
    return Chart(
        "reporting",
        "Meldestand der Gruppe",
        option,
        ["Monat", "gemeldet", "von"],
        [[m, str(done), str(total)] for m, done, total in status],
        height_rem=14,
    )
