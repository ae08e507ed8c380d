"""Chart specifications (ECharts options) built from what the page may show; the browser only draws them.

Every chart draws released group figures and the own business only, never another
partner's value; each comes with its data as a table for reading and for screen readers.
"""

from __future__ import annotations

from typing import Any

from app.analysis.chart_parts import (
    BEST_COLOUR,
    GROUP_COLOUR,
    OWN_COLOUR,
    QUARTILE_COLOURS,
    SEGMENT_COLOURS,
    Chart,
    Inputs,
    category_axis,
    frame,
    keys_of,
    number,
    rows_height,
    value_axis,
)
from app.analysis.table import Row
from app.web.charts import OUTLINE, attainment_bars


def profile(rows: list[Row]) -> Chart:
    """Strengths and weaknesses: the own percentile per KPI (100 = best of the group)."""
    placed = [r for r in rows if r.percentile is not None and "@" not in r.key]  # no per-employee variants
    option = {
        "grid": {"left": 8, "right": 28, "top": 8, "bottom": 30, "containLabel": True},
        "xAxis": {
            "type": "value",
            "min": 0,
            "max": 100,
            "name": "Perzentil (100 = bester Wert der Gruppe)",
            "nameLocation": "middle",
            "nameGap": 26,
        },
        "yAxis": {
            "type": "category",
            "data": [r.label for r in placed],
            "inverse": True,
            "axisLabel": {"interval": 0, "width": 150, "overflow": "truncate", "fontSize": 11},
        },
        "tooltip": {"trigger": "axis"},
        "portal": {"keys": keys_of(placed)},
        "series": [
            {
                "type": "bar",
                "name": "Eigenes Perzentil",
                "data": [
                    {"value": r.percentile, "itemStyle": {"color": QUARTILE_COLOURS[r.quartile], **OUTLINE}}
                    for r in placed
                ],
                # The quarters' borders: the colour is not the only sign of where a bar ends.
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "data": [{"xAxis": 25}, {"xAxis": 75}],
                    "lineStyle": {"color": "#5b665f", "type": "dashed"},
                    "label": {"show": False},
                },
            }
        ],
    }
    return Chart(
        "profile",
        "Stärken und Schwächen (eigenes Perzentil je Kennzahl)",
        option,
        ["Kennzahl", "Perzentil", "Rang"],
        [[r.label, number(r.percentile), f"{r.rank} von {r.n}"] for r in placed],
        height_rem=max(10.0, 3 + 1.25 * len(placed)),
        empty=None if placed else "Für diesen Zeitraum gibt es keine Plätze in der Gruppe.",
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
    unit = shown[0].unit if shown else ""
    option = {
        **frame(),
        "yAxis": category_axis([(axis_labels or {}).get(r.key.split("@")[0], r.label) for r in shown]),
        "xAxis": value_axis(unit),
        "series": [series(name, colour, values, **style) for name, colour, values, style in columns],
        "portal": {"unit": unit, "keys": keys_of(shown)},
    }
    return Chart(
        chart_id,
        title,
        option,
        ["Kennzahl", *(name for name, *_ in columns)],
        [
            [r.label]
            + [
                (r.hidden if name == "Median der Gruppe" and r.hidden else number(values[i], r.decimals))
                for name, _, values, _ in columns
            ]
            for i, r in enumerate(shown)
        ],
        height_rem=rows_height(len(shown), len(columns)),
        empty=_empty_reason(shown, own=False),
    )


def _empty_reason(rows: list[Row], *, own: bool) -> str | None:
    """Why a chart of these rows has nothing to draw; None if it has something."""
    if any(r.own is not None for r in rows) or (not own and any(r.median is not None for r in rows)):
        return None
    hidden = next((r.hidden for r in rows if r.hidden), None)
    if hidden:
        return f"Keine Gruppenwerte: {hidden}"
    if own:
        return "Für diesen Zeitraum gibt es keine eigenen Werte dazu."
    return "Für diesen Zeitraum gibt es keine Werte dazu."


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
        **frame(trigger="item"),
        "xAxis": value_axis("%", max=100),
        "portal": {"unit": "%"},
        "yAxis": {"type": "category", "data": list(bars), "inverse": True},
        "series": [
            {
                "type": "bar",
                "stack": "mix",
                "name": r.label,
                "color": SEGMENT_COLOURS[i % len(SEGMENT_COLOURS)],
                "data": [values[i] for values in bars.values()],
            }
            for i, r in enumerate(segments)
        ],
    }
    return Chart(
        "mix",
        "Umsatzmix nach Sparten (Anteil am Gesamtumsatz %)",
        option,
        ["Sparte", *(f"{name} %" for name in bars)],
        [[r.label, *(number(values[i]) for values in bars.values())] for i, r in enumerate(segments)],
        height_rem=16 if data.prior is None else 22,
        empty=_empty_reason(segments, own=False),
    )


def attainment(rows: list[Row], benchmark: dict[str, Any]) -> Chart:
    """Target attainment in % per KPI with a target (100 = in target), coloured like the traffic
    lights of the tables: in target, within 10 % of it, below."""
    planned = [(r, benchmark["kpis"][r.key].get("target")) for r in rows if r.attainment is not None]
    option = {
        **frame(legend=False),
        "yAxis": category_axis([r.label for r, _ in planned]),
        "xAxis": value_axis("% des Ziels", min=0),
        "series": [attainment_bars([r.attainment for r, _ in planned])],
        "portal": {"unit": "%", "keys": keys_of([r for r, _ in planned])},
    }
    return Chart(
        "targets",
        "Zielerreichung (% des Ziels)",
        option,
        ["Kennzahl", "Ist", "Ziel", "Erreichung %"],
        [[r.label, number(r.own, r.decimals), number(t, r.decimals), number(r.attainment)] for r, t in planned],
        height_rem=rows_height(len(planned), 1),
        empty=None if planned else "Für diesen Zeitraum sind keine Ziele vereinbart.",
    )


def segment_change(rows: list[Row]) -> Chart:
    """The own change against the same span a year earlier, per revenue segment."""
    by_key = {r.key: r for r in rows}
    segments = [by_key[k] for k in REVENUE_SEGMENTS if k in by_key]
    option = {
        **frame(legend=False),
        "yAxis": category_axis([r.label for r in segments]),
        "xAxis": value_axis("%"),
        "portal": {"unit": "%", "keys": keys_of(segments)},
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
        [[r.label, number(r.change)] for r in segments],
        height_rem=rows_height(len(segments), 1),
        empty=None
        if any(r.change is not None for r in segments)
        else "Ohne eigene Werte in beiden Jahren gibt es keine Veränderung.",
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
        **frame(trigger="item"),
        "yAxis": category_axis([r.label for r in shown]),
        "xAxis": value_axis("%"),
        "portal": {"unit": "%", "keys": keys_of(shown)},
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
                "data": [[r.own, i] for i, r in enumerate(shown)],
            },
            {
                "type": "scatter",
                "name": "Beste 25 % (Ø)",
                "color": BEST_COLOUR,
                "symbol": "diamond",
                "data": [[cells[r.key].get("best"), i] for i, r in enumerate(shown)],
            },
        ],
    }
    return Chart(
        "distribution",
        "Verteilung der Quoten: mittlere Hälfte der Gruppe und eigener Wert",
        option,
        ["Kennzahl", "Unteres Quartil", "Median", "Oberes Quartil", "Eigener Wert"],
        [[r.label, number(r.q1), number(r.median), number(r.q3), number(r.own)] for r in shown],
        height_rem=rows_height(len(shown), 1.5),
        empty=None if shown else "Für diesen Zeitraum sind die Gruppenwerte der Quoten nicht freigegeben.",
    )


def expectations(rows: list[Row]) -> Chart | None:
    """The group's business expectation for the next six months (−1 to +1), aggregated only."""
    row = next((r for r in rows if r.key == "expectation"), None)
    if row is None:
        return None
    option = {
        **frame(legend=False),
        "xAxis": {"type": "value", "min": -1, "max": 1},
        "yAxis": {"type": "category", "data": ["Median der Gruppe", "Eigene Einschätzung"]},
        "series": [{"type": "bar", "name": "Erwartung", "data": [row.median, row.own], "color": GROUP_COLOUR}],
    }
    return Chart(
        "expectations",
        "Geschäftserwartung nächste 6 Monate (−1 schlechter, +1 besser)",
        option,
        ["", "Wert"],
        [["Median der Gruppe", row.hidden or number(row.median, 2)], ["Eigene Einschätzung", number(row.own, 2)]],
        height_rem=12,
        empty=_empty_reason([row], own=False),
    )


def reporting(status: list[tuple[str, int, int]]) -> Chart:
    """How many partners of the group have reported, month by month (counts only, never who)."""
    option = {
        **frame(),
        "xAxis": {"type": "category", "data": [f"{m[:3]}{m[5:]}" for m, _, _ in status]},
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
