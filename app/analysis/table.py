"""The KPI overview as rows: what the page shows and the exports write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.models import Metric


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str
    decimals: int
    own: float | None
    median: float | None
    q1: float | None
    q3: float | None
    best: float | None
    n: int | None
    rank: int | None
    percentile: float | None
    change: float | None
    change_unit: str  # "%", "Pp." or "" (kpi.stats.change_in)
    attainment: float | None
    hidden: str | None
    quartile: str  # top | middle | bottom | none: where the own value sits in the group


def _quartile(own: float | None, q1: float | None, q3: float | None, better: str | None) -> str:
    if own is None or q1 is None or q3 is None or better is None:
        return "none"
    high, low = (own >= q3, own <= q1) if better == "higher" else (own <= q1, own >= q3)
    return "top" if high else "bottom" if low else "middle"


def rows_of(benchmark: dict[str, Any], metrics: dict[str, Metric]) -> list[Row]:
    rows = []
    for key, cell in benchmark["kpis"].items():
        metric = metrics[cell.get("variant_of", key)]
        better = cell["better"] if "variant_of" in cell else metric.better
        rows.append(
            Row(
                key,
                cell["label"],
                cell["unit"],
                1 if cell["unit"] == "%" else metric.decimals,
                cell.get("own"),
                cell.get("median"),
                cell.get("q1"),
                cell.get("q3"),
                cell.get("best"),
                cell.get("n"),
                cell.get("rank"),
                cell.get("percentile"),
                cell.get("change"),
                cell.get("change_unit", "%"),
                cell.get("attainment"),
                cell.get("hidden"),
                _quartile(cell.get("own"), cell.get("q1"), cell.get("q3"), better),
            )
        )
    order = {key: metric.position for key, metric in metrics.items()}
    return sorted(rows, key=lambda r: order.get(r.key.split("@")[0], 0))


HEADERS = (
    "Kennzahl",
    "Einheit",
    "Eigener Wert",
    "Median",
    "Unteres Quartil",
    "Oberes Quartil",
    "Beste 25 % (Ø)",
    "Partner (n)",
    "Rang",
    "Perzentil",
    "Veränderung zum Vorjahr %",
    "Zielerreichung %",
    "Hinweis",
)


def export_rows(rows: list[Row]) -> list[list[Any]]:
    return [
        [
            r.label,
            r.unit,
            r.own,
            r.median,
            r.q1,
            r.q3,
            r.best,
            r.n,
            r.rank,
            r.percentile,
            r.change,
            r.attainment,
            r.hidden or "",
        ]
        for r in rows
    ]
