"""What every chart card of the portal shares: the record a template draws (an ECharts option the
browser renders, its table, or why it is empty) and the colours, chosen to stay apart with
red-green blindness: dark green against amber differ in lightness as well as hue (a green against
an orange of the same lightness would not), yellow is lighter still; light bars are outlined."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GREEN, GREY, AMBER, YELLOW, PALE = "#2f6b3a", "#98a39b", "#e69f00", "#f0e442", "#c9d2cb"
LIGHT_COLOURS = {"on": GREEN, "near": YELLOW, "off": AMBER}  # in target, within 10 %, below
OUTLINE = {"borderColor": "#5b665f", "borderWidth": 1}


def light_colour(share: float | None) -> str:
    """A traffic light's colour for an attainment in % (the tables add a sign: ✓ ! ✕)."""
    if share is None:
        return PALE
    return LIGHT_COLOURS["on" if share >= 100 else "near" if share >= 90 else "off"]


@dataclass(frozen=True)
class Card:
    """A chart with its data as a table (for reading and for screen readers)."""

    id: str
    title: str
    option: dict[str, Any]
    table_head: list[str]
    table_rows: list[list[str]]
    height_rem: float = 22
    empty: str | None = None  # why the chart has nothing to draw (then only this is shown)


def attainment_bars(values: list[float | None]) -> dict[str, Any]:
    """A bar series of attainments in % in traffic-light colours, with the target (100 %) as a line."""
    return {
        "type": "bar",
        "name": "Zielerreichung",
        "barMaxWidth": 22,
        "data": [{"value": v, "itemStyle": {"color": light_colour(v), **OUTLINE}} for v in values],
        "markLine": {
            "silent": True,
            "symbol": "none",
            "data": [{"xAxis": 100}],
            "lineStyle": {"color": "#1d2420", "type": "solid"},
            "label": {"show": False},
        },
    }
