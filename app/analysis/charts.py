"""Chart specifications (ECharts options) built from what the page may show; the browser only draws them.

Every chart draws released group figures and the own business only, never another
partner's value; each comes with its data as a table for reading and for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.analysis.table import Row
from app.analysis.trend import Course
from app.analysis.views import ChartView
from kpi.variants import Basis

OWN_COLOUR, GROUP_COLOUR, BEST_COLOUR, BAND_COLOUR = "#2f6b3a", "#5b7fb8", "#e69f00", "#a9bfe0"
# Okabe-Ito: told apart with red-green blindness, too.
SEGMENT_COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9"]
# Dark green, grey, amber: told apart by lightness and hue with red-green blindness, too (a
# green against an orange of the same lightness would not be).
QUARTILE_COLOURS = {"top": "#2f6b3a", "middle": "#98a39b", "bottom": "#e69f00", "none": "#c9d2cb"}
LIGHT_COLOURS = {"on": "#2f6b3a", "near": "#f0e442", "off": "#e69f00"}
OUTLINE = {"borderColor": "#5b665f", "borderWidth": 1}  # light bars stay visible on white


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
    empty: str | None = None  # why the chart has nothing to draw (then only this is shown)


@dataclass(frozen=True)
class Inputs:
    """What one chart is drawn from: the rows of its span (with variants), the prior year's if asked."""

    rows: list[Row]
    benchmark: dict[str, Any]
    prior: list[Row] | None
    status: list[tuple[str, int, int]]
    has_subject: bool = True  # False for Zentrale staff who have not picked a partner


def _frame(*, legend: bool = True, trigger: str = "axis") -> dict[str, Any]:
    """Grid, legend and tooltip as every chart of the page has them."""
    frame: dict[str, Any] = {
        "grid": {"left": 8, "right": 28, "top": 40 if legend else 16, "bottom": 30, "containLabel": True},
        "tooltip": {"trigger": trigger},
    }
    if legend:  # one scrolling line above the plot: a wrapped legend would cover the bars on a phone
        frame["legend"] = {"type": "scroll", "top": 0}
    return frame


def _values(unit: str, *, across: bool = True, **extra: Any) -> dict[str, Any]:
    """A value axis with its unit as the name (the browser adds the unit to tooltips, too): under
    the middle of a horizontal axis (`across`), above a vertical one."""
    if across:
        return {"type": "value", "name": unit or "", "nameLocation": "middle", "nameGap": 26, **extra}
    return {"type": "value", "name": unit or "", "nameTextStyle": {"align": "left"}, **extra}


def _categories(labels: list[str]) -> dict[str, Any]:
    """A vertical category axis of KPI labels (the bars run horizontally): each label has a row of
    its own, wrapped at word boundaries, so long names never overlap on any screen width."""
    return {
        "type": "category",
        "data": labels,
        "inverse": True,
        "axisLabel": {"interval": 0, "width": 120, "overflow": "break", "fontSize": 11, "lineHeight": 13},
    }


def _keys(rows: list[Row]) -> list[str]:
    """The KPI behind each category, for the click that opens its page (a variant opens its base KPI)."""
    return [r.key.split("@")[0] for r in rows]


def _rows_height(categories: int, bars: float) -> float:
    """Height in rem of a horizontal bar chart: room for each category's bars and its label."""
    return max(10.0, 4.5 + categories * max(2.2, 0.75 * bars))


def _number(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


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
        "portal": {"keys": _keys(placed)},
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
        [[r.label, _number(r.percentile), f"{r.rank} von {r.n}"] for r in placed],
        height_rem=max(10.0, 3 + 1.25 * len(placed)),
        empty=None if placed else "Für diesen Zeitraum gibt es keine Plätze in der Gruppe.",
    )


def trend(label: str, unit: str, decimals: int, course: Course, own_name: str = "Eigener Betrieb") -> Chart:
    """The partner's course against the group median and its middle half (the band between the
    quartiles), with the monthly target where one is set; the same month a year earlier is
    12 points to the left."""
    months = [f"{m[5:]}/{m[2:4]}" for m in course.months]
    q1 = [g.q1 for g in course.group]
    spread = [None if g.q1 is None or g.q3 is None else round(g.q3 - g.q1, 4) for g in course.group]
    band = {"type": "line", "stack": "band", "symbol": "none", "lineStyle": {"opacity": 0}, "silent": True}
    series: list[dict[str, Any]] = [
        {**band, "name": "Mittlere Hälfte der Gruppe", "data": q1, "color": BAND_COLOUR, "tooltip": {"show": False}},
        {
            **band,
            "name": "Mittlere Hälfte der Gruppe",
            "data": spread,
            "color": BAND_COLOUR,
            "areaStyle": {"color": BAND_COLOUR, "opacity": 0.35},
            "tooltip": {"show": False},
        },
        {"type": "line", "name": own_name, "data": course.own, "color": OWN_COLOUR, "connectNulls": False},
        {
            "type": "line",
            "name": "Median der Gruppe",
            "data": [g.median for g in course.group],
            "color": GROUP_COLOUR,
            "lineStyle": {"type": "dashed"},
            "connectNulls": False,
        },
    ]
    has_targets = any(t is not None for t in course.targets)
    if has_targets:
        series.append(
            {
                "type": "line",
                "name": "Ziel",
                "data": course.targets,
                "color": BEST_COLOUR,
                "step": "middle",
                "symbol": "none",
                "lineStyle": {"type": "dotted", "width": 2},
            }
        )
    option = {
        **_frame(),
        "xAxis": {"type": "category", "data": months, "axisLabel": {"hideOverlap": True, "margin": 12}},
        "yAxis": _values(unit, across=False),
        "series": series,
        "portal": {"unit": unit},
    }
    head = ["Monat", own_name, "Median der Gruppe", "Unteres Quartil", "Oberes Quartil"]
    rows = [
        [
            f"{m[5:]}/{m[:4]}",
            _number(o, decimals),
            _number(g.median, decimals),
            _number(g.q1, decimals),
            _number(g.q3, decimals),
        ]
        for m, o, g in zip(course.months, course.own, course.group, strict=True)
    ]
    if has_targets:
        head.append("Ziel")
        rows = [[*r, _number(t, decimals)] for r, t in zip(rows, course.targets, strict=True)]
    has_data = any(v is not None for v in course.own) or any(g.median is not None for g in course.group)
    return Chart(
        "trend",
        f"{label}: Verlauf der letzten {len(months)} Monate",
        option,
        head,
        rows,
        height_rem=20,
        empty=None
        if has_data
        else "Für diese Kennzahl gibt es in den letzten Monaten weder eigene Werte noch freigegebene Gruppenwerte.",
    )


def position(row: Row, target: float | None, prior: float | None, own_name: str = "Eigener Betrieb") -> Chart:
    """Where the month's own value sits in the group: the middle half as a band, the median, the
    best quarter's mean, the target and the same month a year earlier as marks on one axis."""
    marks = [
        (own_name, row.own, OWN_COLOUR, "circle", 16),
        ("Median der Gruppe", row.median, GROUP_COLOUR, "rect", 12),
        ("Beste 25 % (Ø)", row.best, BEST_COLOUR, "diamond", 14),
        ("Ziel", target, "#7a4c9e", "triangle", 14),
        ("Vorjahresmonat", prior, "#6b7280", "emptyCircle", 12),
    ]
    shown = [m for m in marks if m[1] is not None]
    series: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "name": name,
            "data": [[value, 0]],
            "color": colour,
            "symbol": symbol,
            "symbolSize": size,
            "z": 3,
        }
        for name, value, colour, symbol, size in shown
    ]
    if row.q1 is not None and row.q3 is not None:
        series.insert(
            0,
            {
                "type": "bar",
                "name": "Mittlere Hälfte der Gruppe",
                "stack": "band",
                "data": [row.q3 - row.q1],
                "color": BAND_COLOUR,
                "barWidth": 28,
                "z": 1,
            },
        )
        series.insert(
            0,
            {"type": "bar", "stack": "band", "data": [row.q1], "itemStyle": {"opacity": 0}, "silent": True, "z": 1},
        )
    option = {
        **_frame(trigger="item"),
        "grid": {"left": 36, "right": 44, "top": 40, "bottom": 30, "containLabel": True},
        "xAxis": {**_values(row.unit), "scale": True},
        "yAxis": {"type": "category", "data": [""], "axisTick": {"show": False}},
        "series": series,
        "portal": {"unit": row.unit},
    }
    table = [[name, _number(value, row.decimals)] for name, value, *_ in shown]
    if row.q1 is not None:
        table.insert(
            1, ["Mittlere Hälfte der Gruppe", f"{_number(row.q1, row.decimals)} – {_number(row.q3, row.decimals)}"]
        )
    return Chart(
        "position",
        "Eigene Lage in der Gruppe",
        option,
        ["", "Wert"],
        table,
        height_rem=10,
        empty=None if shown else (row.hidden or "Für diesen Monat gibt es keinen Wert."),
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
        **_frame(),
        "yAxis": _categories([(axis_labels or {}).get(r.key.split("@")[0], r.label) for r in shown]),
        "xAxis": _values(unit),
        "series": [series(name, colour, values, **style) for name, colour, values, style in columns],
        "portal": {"unit": unit, "keys": _keys(shown)},
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
        height_rem=_rows_height(len(shown), len(columns)),
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
        **_frame(trigger="item"),
        "xAxis": _values("%", max=100),
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
        [[r.label, *(_number(values[i]) for values in bars.values())] for i, r in enumerate(segments)],
        height_rem=16 if data.prior is None else 22,
        empty=_empty_reason(segments, own=False),
    )


def attainment(rows: list[Row], benchmark: dict[str, Any]) -> Chart:
    """Target attainment in % per KPI with a target (100 = in target), coloured like the traffic
    lights of the tables: in target, within 10 % of it, below."""
    planned = [(r, benchmark["kpis"][r.key].get("target")) for r in rows if r.attainment is not None]
    option = {
        **_frame(legend=False),
        "yAxis": _categories([r.label for r, _ in planned]),
        "xAxis": _values("% des Ziels", min=0),
        "series": [
            {
                "type": "bar",
                "name": "Zielerreichung",
                "barMaxWidth": 22,
                "data": [
                    {"value": r.attainment, "itemStyle": {"color": _light_colour(r.attainment), **OUTLINE}}
                    for r, _ in planned
                ],
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "data": [{"xAxis": 100}],
                    "lineStyle": {"color": "#1d2420", "type": "solid"},
                    "label": {"show": False},
                },
            }
        ],
        "portal": {"unit": "%", "keys": _keys([r for r, _ in planned])},
    }
    return Chart(
        "targets",
        "Zielerreichung (% des Ziels)",
        option,
        ["Kennzahl", "Ist", "Ziel", "Erreichung %"],
        [[r.label, _number(r.own, r.decimals), _number(t, r.decimals), _number(r.attainment)] for r, t in planned],
        height_rem=_rows_height(len(planned), 1),
        empty=None if planned else "Für diesen Zeitraum sind keine Ziele vereinbart.",
    )


def _light_colour(share: float | None) -> str:
    """The traffic light's colour (the tables add a sign: ✓ ! ✕)."""
    if share is None:
        return "#c9d2cb"
    return LIGHT_COLOURS["on" if share >= 100 else "near" if share >= 90 else "off"]


def segment_change(rows: list[Row]) -> Chart:
    """The own change against the same span a year earlier, per revenue segment."""
    by_key = {r.key: r for r in rows}
    segments = [by_key[k] for k in REVENUE_SEGMENTS if k in by_key]
    option = {
        **_frame(legend=False),
        "yAxis": _categories([r.label for r in segments]),
        "xAxis": _values("%"),
        "portal": {"unit": "%", "keys": _keys(segments)},
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
        height_rem=_rows_height(len(segments), 1),
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
        **_frame(trigger="item"),
        "yAxis": _categories([r.label for r in shown]),
        "xAxis": _values("%"),
        "portal": {"unit": "%", "keys": _keys(shown)},
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
        [[r.label, _number(r.q1), _number(r.median), _number(r.q3), _number(r.own)] for r in shown],
        height_rem=_rows_height(len(shown), 1.5),
        empty=None if shown else "Für diesen Zeitraum sind die Gruppenwerte der Quoten nicht freigegeben.",
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
        empty=_empty_reason([row], own=False),
    )


def reporting(status: list[tuple[str, int, int]]) -> Chart:
    """How many partners of the group have reported, month by month (counts only, never who)."""
    option = {
        **_frame(),
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
