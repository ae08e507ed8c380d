"""Chart specifications (ECharts options) built from what the page may show; the browser only draws them.

Every chart draws released group figures and the own business only, never another
partner's value; each comes with its data as a table for reading and for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.analysis.table import Row

OWN_COLOUR, GROUP_COLOUR, BEST_COLOUR = "#2f6b3a", "#5b7fb8", "#b85c00"
QUARTILE_COLOURS = {"top": "#2f6b3a", "middle": "#98a39b", "bottom": "#b85c00", "none": "#c9d2cb"}


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    option: dict[str, Any]
    table_head: list[str]
    table_rows: list[list[str]]
    height_rem: float = 22


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
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 24, "containLabel": True},
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis"},
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
