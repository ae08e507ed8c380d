"""Actuals and targets summed up the territory tree (territory -> region -> network), with attainment."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    code: str
    parent: str | None


@dataclass(frozen=True)
class RollUp:
    code: str
    actual: float
    target: float
    partners: int  # partners with an actual value below this node
    attainment: float  # actual / target in %, NaN without a target


def roll_up(
    nodes: Mapping[str, Node],
    partner_node: Mapping[int, str],
    actuals: Mapping[int, float],
    targets: Mapping[int, float],
) -> dict[str, RollUp]:
    """Sum each partner's actual and target into its node and every ancestor.

    A partner without an actual adds neither actual nor target, so attainment compares
    like with like (a late reporter does not drag its territory down).
    """
    actual = dict.fromkeys(nodes, 0.0)
    target = dict.fromkeys(nodes, 0.0)
    count = dict.fromkeys(nodes, 0)
    for partner, code in partner_node.items():
        value = actuals.get(partner, math.nan)
        if math.isnan(value):
            continue
        planned = targets.get(partner, math.nan)
        node: str | None = code
        while node is not None:
            actual[node] += value
            target[node] += 0.0 if math.isnan(planned) else planned
            count[node] += 1
            node = nodes[node].parent
    return {
        code: RollUp(
            code,
            actual[code],
            target[code],
            count[code],
            actual[code] / target[code] * 100 if target[code] else math.nan,
        )
        for code in nodes
    }
