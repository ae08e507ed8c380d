"""The charts of one KPI's page: where the month's value sits in the group, and its course."""

from __future__ import annotations

from typing import Any

from app.analysis.chart_parts import (
    BAND_COLOUR,
    BEST_COLOUR,
    GROUP_COLOUR,
    OWN_COLOUR,
    Chart,
    frame,
    number,
    value_axis,
)
from app.analysis.table import Row
from app.analysis.trend import Course


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
        **frame(),
        "xAxis": {"type": "category", "data": months, "axisLabel": {"hideOverlap": True, "margin": 12}},
        "yAxis": value_axis(unit, across=False),
        "series": series,
        "portal": {"unit": unit},
    }
    head = ["Monat", own_name, "Median der Gruppe", "Unteres Quartil", "Oberes Quartil"]
    rows = [
        [
            f"{m[5:]}/{m[:4]}",
            number(o, decimals),
            number(g.median, decimals),
            number(g.q1, decimals),
            number(g.q3, decimals),
        ]
        for m, o, g in zip(course.months, course.own, course.group, strict=True)
    ]
    if has_targets:
        head.append("Ziel")
        rows = [[*r, number(t, decimals)] for r, t in zip(rows, course.targets, strict=True)]
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
        **frame(trigger="item"),
        "grid": {"left": 36, "right": 44, "top": 40, "bottom": 30, "containLabel": True},
        "xAxis": {**value_axis(row.unit), "scale": True},
        "yAxis": {"type": "category", "data": [""], "axisTick": {"show": False}},
        "series": series,
        "portal": {"unit": row.unit},
    }
    table = [[name, number(value, row.decimals)] for name, value, *_ in shown]
    if row.q1 is not None:
        table.insert(
            1, ["Mittlere Hälfte der Gruppe", f"{number(row.q1, row.decimals)} – {number(row.q3, row.decimals)}"]
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
