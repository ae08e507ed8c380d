"""The band above the analysis table: what a reader should take away before reading 50 rows."""

from __future__ import annotations

from dataclasses import dataclass

from app.analysis.table import Row

# The figures a managing director looks at first, in this order (those the user may see).
HEADLINE = ["revenue_total", "gross_margin", "result_ratio", "utilisation", "dso"]


@dataclass(frozen=True)
class Summary:
    headline: list[Row]  # value, median, change
    strengths: list[Row]  # best percentiles first
    weaknesses: list[Row]  # worst percentiles first
    top: int  # KPIs in the group's best quarter
    bottom: int  # ... in its worst quarter
    placed: int  # KPIs with a place in the group
    targets_met: int
    targets: int
    has_subject: bool


def summary(rows: list[Row], has_subject: bool, shown: int = 3) -> Summary:
    by_key = {r.key: r for r in rows}
    placed = sorted((r for r in rows if r.percentile is not None), key=lambda r: r.percentile or 0.0)
    planned = [r for r in rows if r.attainment is not None]
    return Summary(
        headline=[by_key[k] for k in HEADLINE if k in by_key],
        strengths=[r for r in reversed(placed) if r.quartile == "top"][:shown],
        weaknesses=[r for r in placed if r.quartile == "bottom"][:shown],
        top=sum(1 for r in placed if r.quartile == "top"),
        bottom=sum(1 for r in placed if r.quartile == "bottom"),
        placed=len(placed),
        targets_met=sum(1 for r in planned if (r.attainment or 0.0) >= 100),
        targets=len(planned),
        has_subject=has_subject,
    )
