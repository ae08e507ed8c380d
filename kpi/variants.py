"""Detail views of amounts as metrics of their own: per employee (a year's worth) and as a share of revenue.

A chart's switch from "absolut" to "je Mitarbeiter" must not divide the group median of
an amount by the median headcount (that is nobody's ratio): the group figures of a
view are statistics over each partner's own ratio, released under the same anonymity
rules as every catalogue metric. Variants are therefore derived metrics the engine adds
to the catalogue; they never appear in the KPI table or the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

HEADCOUNT = "fte"
REVENUE = "revenue_total"


class Basis(StrEnum):
    ABSOLUTE = "absolut"
    PER_EMPLOYEE = "je-mitarbeiter"
    SHARE = "umsatzanteil"


BASIS_LABELS = {Basis.ABSOLUTE: "absolut", Basis.PER_EMPLOYEE: "je Mitarbeiter", Basis.SHARE: "Anteil am Umsatz"}


@dataclass(frozen=True)
class Variant:
    key: str
    base: str
    basis: Basis
    formula: str


def variant_key(base: str, basis: Basis) -> str:
    return base if basis is Basis.ABSOLUTE else f"{base}@{basis.value}"


def variants_of(base: str, time_kind: str | None) -> list[Variant]:
    """Per employee for every amount (flows annualised); share of revenue for flows only.

    A stock as a share of a month's revenue would change with the span's length, so
    stocks get no share view.
    """
    flow = time_kind in (None, "flow")
    per_employee = f"{base} * 12 / months / {HEADCOUNT}" if flow else f"{base} / {HEADCOUNT}"
    found = [Variant(variant_key(base, Basis.PER_EMPLOYEE), base, Basis.PER_EMPLOYEE, per_employee)]
    if flow and base != REVENUE:
        found.append(Variant(variant_key(base, Basis.SHARE), base, Basis.SHARE, f"{base} / {REVENUE} * 100"))
    return found
