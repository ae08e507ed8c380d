"""The charts of „Ziele und Ist“: attainment per territory and the state of the partners' target
plans, as ECharts options the browser draws (static/js/charts.js), each with its table."""

from __future__ import annotations

import math

from app.steering.rollups import PartnerRow, TreeRow
from app.web.charts import LIGHT_COLOURS, OUTLINE, PALE, Card, attainment_bars

IN_TARGET, NONE = LIGHT_COLOURS["on"], PALE
STATES = [
    ("agreed", "vereinbart", IN_TARGET),
    ("proposed", "vorgeschlagen", "#5b7fb8"),
    ("revised", "geändert, offen", LIGHT_COLOURS["near"]),
    (None, "kein Ziel", NONE),
]


def _percent(value: float) -> str:
    return f"{value:.1f} %".replace(".", ",")


def territory_attainment(tree: list[TreeRow], max_depth: int = 1) -> Card:
    """Attainment in % per territory down to `max_depth` (the network is depth 0); 100 is the target."""
    shown = [r for r in tree if r.depth <= max_depth and not math.isnan(r.rollup.attainment)]
    # The axis starts below the weakest territory (in steps of 10), so that 97 and 103 % look different.
    low = min((r.rollup.attainment for r in shown), default=0.0)
    start = max(0, min(90, int((low - 10) // 10 * 10)))
    option = {
        "grid": {"left": 8, "right": 28, "top": 12, "bottom": 30, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "name": "% des Ziels", "nameLocation": "middle", "nameGap": 26, "min": start},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [("· " * r.depth) + r.territory.name for r in shown],
            "axisLabel": {"interval": 0, "width": 150, "overflow": "break", "fontSize": 11, "lineHeight": 13},
        },
        "series": [attainment_bars([round(r.rollup.attainment, 1) for r in shown])],
        "portal": {"unit": "%"},
    }
    return Card(
        "territory-attainment",
        "Zielerreichung nach Gebiet",
        option,
        ["Gebiet", "Erreichung", "im Ziel", "gezählt"],
        [
            [r.territory.name, _percent(r.rollup.attainment), str(r.rollup.on_target), str(r.rollup.partners)]
            for r in shown
        ],
        height_rem=max(8.0, 4 + 2.2 * len(shown)),
        empty=None if shown else "Noch kein Gebiet mit gemeldeten Zahlen und Zielen für diesen Zeitraum.",
    )


def plan_states(partners: list[PartnerRow], year: int) -> Card:
    """How many partners' target plans for the year are agreed, proposed, changed or missing."""
    counts = [(label, colour, sum(1 for p in partners if p.state == state)) for state, label, colour in STATES]
    option = {
        "grid": {"left": 8, "right": 28, "top": 12, "bottom": 30, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "name": "Partner", "nameLocation": "middle", "nameGap": 26, "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [label for label, _, _ in counts]},
        "series": [
            {
                "type": "bar",
                "name": "Partner",
                "barMaxWidth": 22,
                "data": [{"value": n, "itemStyle": {"color": colour, **OUTLINE}} for _, colour, n in counts],
                "label": {"show": True, "position": "right"},
            }
        ],
    }
    return Card(
        "plan-states",
        f"Zielvereinbarungen {year}",
        option,
        ["Stand", "Partner"],
        [[label, str(n)] for label, _, n in counts],
        height_rem=12,
        empty=None if partners else "Keine Partner in Ihrem Bereich.",
    )
