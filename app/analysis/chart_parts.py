"""What every chart of the analysis is made of: its record, the inputs it is drawn from, colours
that stay apart with red-green blindness, axes, and German numbers for its table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.analysis.table import Row
from app.analysis.views import ChartView
from app.web.charts import AMBER, GREEN, GREY, PALE, Card
from kpi.variants import Basis

OWN_COLOUR, GROUP_COLOUR, BEST_COLOUR, BAND_COLOUR = GREEN, "#5b7fb8", AMBER, "#a9bfe0"
# Okabe-Ito: told apart with red-green blindness, too.
SEGMENT_COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9"]
QUARTILE_COLOURS = {"top": GREEN, "middle": GREY, "bottom": AMBER, "none": PALE}


@dataclass(frozen=True)
class Switches:
    """Which detail views a chart offers with its buttons."""

    spans: bool = True
    bases: tuple[Basis, ...] = ()
    prior: bool = False


@dataclass(frozen=True)
class Chart(Card):
    """A chart of the analysis: a card with its switch buttons and the view they chose."""

    switches: Switches = Switches(spans=False)
    view: ChartView | None = None


@dataclass(frozen=True)
class Inputs:
    """What one chart is drawn from: the rows of its span (with variants), the prior year's if asked."""

    rows: list[Row]
    benchmark: dict[str, Any]
    prior: list[Row] | None
    status: list[tuple[str, int, int]]
    has_subject: bool = True  # False for Zentrale staff who have not picked a partner


def frame(*, legend: bool = True, trigger: str = "axis") -> dict[str, Any]:
    """Grid, legend and tooltip as every chart of the page has them."""
    frame: dict[str, Any] = {
        "grid": {"left": 8, "right": 28, "top": 40 if legend else 16, "bottom": 30, "containLabel": True},
        "tooltip": {"trigger": trigger},
    }
    if legend:  # one scrolling line above the plot: a wrapped legend would cover the bars on a phone
        frame["legend"] = {"type": "scroll", "top": 0}
    return frame


def value_axis(unit: str, *, across: bool = True, **extra: Any) -> dict[str, Any]:
    """A value axis with its unit as the name (the browser adds the unit to tooltips, too): under
    the middle of a horizontal axis (`across`), above a vertical one."""
    if across:
        return {"type": "value", "name": unit or "", "nameLocation": "middle", "nameGap": 26, **extra}
    return {"type": "value", "name": unit or "", "nameTextStyle": {"align": "left"}, **extra}


def category_axis(labels: list[str]) -> dict[str, Any]:
    """A vertical category axis of KPI labels (the bars run horizontally): each label has a row of
    its own, wrapped at word boundaries, so long names never overlap on any screen width."""
    return {
        "type": "category",
        "data": labels,
        "inverse": True,
        "axisLabel": {"interval": 0, "width": 120, "overflow": "break", "fontSize": 11, "lineHeight": 13},
    }


def keys_of(rows: list[Row]) -> list[str]:
    """The KPI behind each category, for the click that opens its page (a variant opens its base KPI)."""
    return [r.key.split("@")[0] for r in rows]


def rows_height(categories: int, bars: float) -> float:
    """Height in rem of a horizontal bar chart: room for each category's bars and its label."""
    return max(10.0, 4.5 + categories * max(2.2, 0.75 * bars))


def number(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
