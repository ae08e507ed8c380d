"""Actuals and targets summed up the territory tree (territory -> region -> network), with attainment.

A partner counts where it has both an actual and a target for the span, so a node compares
like with like; who was left out, and why, the caller lists beside the figure. A summed metric
(revenue) adds up; a level (a ratio such as DSO) is shown as the mean of the counted partners.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from kpi.targets import attainment


@dataclass(frozen=True)
class Node:
    code: str
    parent: str | None


@dataclass(frozen=True)
class RollUp:
    code: str
    actual: float  # sum (summed metric) or mean (level) over the counted partners; NaN if none
    target: float
    partners: int  # partners counted: with an actual and a target
    attainment: float  # in %, direction-aware, NaN without a target
    on_target: int  # counted partners at 100 % or better


def roll_up(
    nodes: Mapping[str, Node],
    partner_node: Mapping[int, str],
    actuals: Mapping[int, float],
    targets: Mapping[int, float],
    *,
    summed: bool = True,
    better: str | None = "higher",
) -> dict[str, RollUp]:
    actual = dict.fromkeys(nodes, 0.0)
    target = dict.fromkeys(nodes, 0.0)
    count = dict.fromkeys(nodes, 0)
    on_target = dict.fromkeys(nodes, 0)
    for partner, code in partner_node.items():
        value, planned = actuals.get(partner, math.nan), targets.get(partner, math.nan)
        if math.isnan(value) or math.isnan(planned):
            continue
        hit = attainment(value, planned, better) >= 100
        node: str | None = code
        while node is not None:
            actual[node] += value
            target[node] += planned
            count[node] += 1
            on_target[node] += hit
            node = nodes[node].parent
    out = {}
    for code in nodes:
        n = count[code]
        a, t = (actual[code], target[code]) if summed or not n else (actual[code] / n, target[code] / n)
        if not n:
            a = t = math.nan
        out[code] = RollUp(code, a, t, n, attainment(a, t, better), on_target[code])
    return out
