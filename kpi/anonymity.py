"""When a group figure may be shown to partners at all (competition law; docs/anonymity.md).

A benchmark between competitors is an exchange of information. A group figure is
released only when
- at least `min_contributors` partners contribute,
- no partner contributes more than `max_share` of any summed input, and the two
  largest together less than `max_top2_share`, and
- no released neighbour lets it be subtracted back (secondary suppression over the
  catalogue's additive formulas, e.g. revenue_total = revenue_new + ... ).
Every hidden cell carries its reason in German. What is released is perturbed
(kpi.cellkey), so that no combination of releases gives a partner's figure away.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from kpi.formula import Vector


@dataclass(frozen=True)
class AnonymityPolicy:
    min_contributors: int = 5
    max_share: float = 0.33
    max_top2_share: float = 0.60


def primary_reason(
    n: int, inputs: Mapping[str, Vector], policy: AnonymityPolicy, labels: Mapping[str, str] | None = None
) -> str | None:
    """Why a cell must stay hidden on its own, or None. `inputs`: the summed inputs of the contributors."""
    if n < policy.min_contributors:
        return f"Zu wenige Partner mit Werten (n = {n}, mindestens {policy.min_contributors})."
    for key, values in inputs.items():
        name = (labels or {}).get(key, key)
        present = np.abs(values[~np.isnan(values)])
        total = float(present.sum())
        if total <= 0 or len(present) < 2:
            continue
        shares = np.sort(present)[::-1] / total
        if shares[0] > policy.max_share:
            return f"Ein Partner trägt mehr als {policy.max_share:.0%} zu „{name}“ bei."
        if shares[0] + shares[1] >= policy.max_top2_share:
            return f"Die zwei größten Partner tragen {policy.max_top2_share:.0%} oder mehr zu „{name}“ bei."
    return None


def secondary_suppression(
    hidden: Mapping[str, str], relations: Iterable[tuple[str, list[str]]], labels: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Extend the hidden cells so that no additive relation (total, terms) has exactly the hidden ones released.

    In a relation total = a + b - c, any single hidden member follows from the others,
    so as soon as one member is hidden, all members are.
    """
    result = dict(hidden)
    changed = True
    while changed:
        changed = False
        for total, terms in relations:
            members = [total, *terms]
            covered = [m for m in members if m in result]
            if covered and len(covered) < len(members):
                cause = (labels or {}).get(covered[0], covered[0])
                for member in members:
                    if member not in result:
                        result[member] = f"Sekundärsperrung: ließe sich über „{cause}“ zurückrechnen."
                        changed = True
    return result


def rounded(value: float, digits: int = 4) -> float:
    """Released figures keep `digits` significant digits: enough to read, too coarse to difference."""
    if math.isnan(value) or value == 0:
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))
