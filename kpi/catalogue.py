"""The metric catalogue the demo network ships with (shared/KPI-CATALOGUE.md).

It is data: the database is seeded from it, after which the Zentrale edits labels,
formulas and domains there. Nothing here is consulted at run time once seeded.

Where this catalogue departs from the shared one: a stock (inventory, receivables, sales
area, active customers, order backlog) shown for a span is its value at the span's end,
but inside a formula it is the average of the span's month ends, so that stock turnover,
DSO, revenue per m² and the like divide a span's flows by the stock that carried them
(kpi.benchmark.Engine.values). A controller computes them so; the closing value alone
made the 2025 median stock turnover 4.51 instead of 3.89.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Domain(StrEnum):
    SALES = "sales"
    SERVICE = "service"
    WARRANTY = "warranty"
    RECEIVABLES = "receivables"
    MARKETING = "marketing"
    STATISTICS = "statistics"
    MARKET = "market"


class Kind(StrEnum):
    ENTERED = "entered"
    DERIVED = "derived"
    IMPORTED = "imported"


class TimeKind(StrEnum):
    """How a metric adds up over the months of a period."""

    FLOW = "flow"  # sum of the months
    STOCK = "stock"  # value at the end of the period
    AVERAGE = "average"  # mean of the months


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True, slots=True)
class MetricDef:
    key: str
    label_de: str
    label_en: str
    unit: str
    domain: Domain
    kind: Kind
    time_kind: TimeKind | None = None
    formula: str | None = None
    better: Better | None = None
    decimals: int = 0
    sensitive: bool = False


# The catalogue reads as a table; keep one metric per line.
# fmt: off
E, D, IMP = Kind.ENTERED, Kind.DERIVED, Kind.IMPORTED
FLOW, STOCK, AVG = TimeKind.FLOW, TimeKind.STOCK, TimeKind.AVERAGE
UP, DOWN = Better.HIGHER, Better.LOWER

ENTERED: tuple[MetricDef, ...] = (
    MetricDef("revenue_new", "Umsatz Neumaschinen", "Revenue new machines", "EUR", Domain.SALES, E, FLOW, better=UP),
    MetricDef("revenue_used", "Umsatz Gebrauchtmaschinen", "Revenue used machines", "EUR", Domain.SALES, E, FLOW,
              better=UP),
    MetricDef("revenue_parts", "Umsatz Ersatzteile", "Revenue parts", "EUR", Domain.SALES, E, FLOW, better=UP),
    MetricDef("revenue_workshop", "Umsatz Werkstatt", "Revenue workshop", "EUR", Domain.SERVICE, E, FLOW, better=UP),
    MetricDef("revenue_other", "Sonstige Umsätze (Vermietung u. a.)", "Other revenue (rental etc.)", "EUR",
              Domain.SALES, E, FLOW, better=UP),
    MetricDef("cogs", "Wareneinsatz", "Cost of goods sold", "EUR", Domain.SALES, E, FLOW),
    MetricDef("units_new", "Verkaufte Neumaschinen", "New machines sold", "Stück", Domain.SALES, E, FLOW, better=UP),
    MetricDef("order_backlog", "Auftragsbestand", "Order backlog", "EUR", Domain.SALES, E, STOCK, better=UP,
              sensitive=True),
    MetricDef("stock_new", "Lagerbestand Neumaschinen", "Stock new machines", "EUR", Domain.SALES, E, STOCK),
    MetricDef("stock_used", "Lagerbestand Gebrauchtmaschinen", "Stock used machines", "EUR", Domain.SALES, E, STOCK),
    MetricDef("stock_parts", "Lagerbestand Ersatzteile", "Stock parts", "EUR", Domain.SERVICE, E, STOCK),
    MetricDef("hours_attendance", "Anwesenheitsstunden Werkstatt", "Workshop attendance hours", "h", Domain.SERVICE,
              E, FLOW),
    MetricDef("hours_productive", "Produktive (verkaufte) Stunden", "Productive (sold) hours", "h", Domain.SERVICE,
              E, FLOW, better=UP),
    MetricDef("warranty_claims", "Eingereichte Garantieanträge", "Warranty claims filed", "Anzahl",
              Domain.WARRANTY, E, FLOW),
    MetricDef("warranty_approved", "Anerkannte Garantieanträge", "Warranty claims approved", "Anzahl",
              Domain.WARRANTY, E, FLOW),
    MetricDef("warranty_value", "Garantievolumen", "Warranty volume", "EUR", Domain.WARRANTY, E, FLOW),
    MetricDef("warranty_days", "Bearbeitungsdauer Garantie (Ø)", "Warranty processing time (avg)", "Tage",
              Domain.WARRANTY, E, AVG, better=DOWN, decimals=1),
    MetricDef("receivables", "Forderungen aus Lieferungen", "Trade receivables", "EUR", Domain.RECEIVABLES, E, STOCK),
    MetricDef("receivables_overdue", "davon überfällig > 30 Tage", "of which overdue > 30 days", "EUR",
              Domain.RECEIVABLES, E, STOCK, better=DOWN),
    MetricDef("personnel_costs", "Personalkosten", "Personnel costs", "EUR", Domain.STATISTICS, E, FLOW),
    MetricDef("operating_costs", "Sonstige Betriebskosten", "Other operating costs", "EUR", Domain.STATISTICS, E,
              FLOW),
    MetricDef("marketing_spend", "Marketingaufwand", "Marketing spend", "EUR", Domain.MARKETING, E, FLOW),
    MetricDef("fte", "Mitarbeiter (Vollzeitäquivalente)", "Employees (full-time equivalents)", "VZÄ",
              Domain.STATISTICS, E, AVG, decimals=1),
    MetricDef("fte_service", "davon Werkstatt", "of which workshop", "VZÄ", Domain.SERVICE, E, AVG, decimals=1),
    MetricDef("apprentices", "Auszubildende", "Apprentices", "Anzahl", Domain.STATISTICS, E, AVG, decimals=1),
    MetricDef("sales_area", "Ausstellungs- und Verkaufsfläche", "Showroom and sales area", "m²", Domain.STATISTICS,
              E, STOCK),
    MetricDef("customers_active", "Aktive Kunden", "Active customers", "Anzahl", Domain.SALES, E, STOCK, better=UP),
    MetricDef("expectation", "Geschäftserwartung nächste 6 Monate (−1 / 0 / +1)",
              "Business expectation next 6 months (−1 / 0 / +1)", "", Domain.MARKET, E, AVG, better=UP, decimals=2,
              sensitive=True),
)

IMPORTED: tuple[MetricDef, ...] = (
    MetricDef("purchasing_power", "Kaufkraftindex", "Purchasing power index", "Index (D = 100)", Domain.MARKET, IMP,
              AVG, decimals=1),
    MetricDef("sales_potential", "Absatzpotenzial Neumaschinen p. a.", "Sales potential new machines p. a.", "EUR",
              Domain.MARKET, IMP, AVG),
)


def _derived(key: str, de: str, en: str, unit: str, domain: Domain, formula: str, better: Better | None,
             decimals: int = 1) -> MetricDef:
    return MetricDef(key, de, en, unit, domain, D, None, formula, better, decimals)


DERIVED: tuple[MetricDef, ...] = (
    _derived("revenue_total", "Gesamtumsatz", "Total revenue", "EUR", Domain.SALES,
             "revenue_new + revenue_used + revenue_parts + revenue_workshop + revenue_other", UP, 0),
    _derived("gross_profit", "Rohertrag", "Gross profit", "EUR", Domain.SALES, "revenue_total - cogs", UP, 0),
    _derived("gross_margin", "Rohertragsquote %", "Gross margin %", "%", Domain.SALES,
             "gross_profit / revenue_total * 100", UP),
    _derived("revenue_per_fte", "Umsatz je Mitarbeiter", "Revenue per employee", "EUR", Domain.STATISTICS,
             "revenue_total * 12 / months / fte", UP, 0),
    _derived("revenue_per_m2", "Umsatz je m²", "Revenue per m²", "EUR", Domain.STATISTICS,
             "revenue_total * 12 / months / sales_area", UP, 0),
    _derived("aftersales_share", "Anteil Service und Teile %", "Aftersales share %", "%", Domain.SERVICE,
             "(revenue_workshop + revenue_parts) / revenue_total * 100", UP),
    _derived("utilisation", "Werkstattauslastung %", "Workshop utilisation %", "%", Domain.SERVICE,
             "hours_productive / hours_attendance * 100", UP),
    _derived("rate_per_hour", "Werkstatterlös je produktive Stunde", "Workshop revenue per productive hour", "EUR",
             Domain.SERVICE, "revenue_workshop / hours_productive", UP),
    _derived("stock_turnover", "Lagerumschlag p. a.", "Stock turnover p. a.", "×", Domain.SALES,
             "cogs * 12 / months / (stock_new + stock_used + stock_parts)", UP),
    _derived("backlog_months", "Auftragsreichweite (Monate)", "Order backlog coverage (months)", "Monate",
             Domain.SALES, "order_backlog / (revenue_new / months)", UP),
    _derived("dso", "Forderungslaufzeit (Tage)", "Days sales outstanding", "Tage", Domain.RECEIVABLES,
             "receivables / (revenue_total * 12 / months) * 365", DOWN),
    _derived("overdue_share", "Überfälligkeitsquote %", "Overdue share %", "%", Domain.RECEIVABLES,
             "receivables_overdue / receivables * 100", DOWN),
    _derived("warranty_rate", "Anerkennungsquote Garantie %", "Warranty approval rate %", "%", Domain.WARRANTY,
             "warranty_approved / warranty_claims * 100", UP),
    _derived("warranty_share", "Garantieanteil am Werkstattumsatz %", "Warranty share of workshop revenue %", "%",
             Domain.WARRANTY, "warranty_value / revenue_workshop * 100", DOWN),
    _derived("personnel_ratio", "Personalkostenquote %", "Personnel cost ratio %", "%", Domain.STATISTICS,
             "personnel_costs / revenue_total * 100", DOWN),
    _derived("operating_result", "Betriebsergebnis", "Operating result", "EUR", Domain.STATISTICS,
             "gross_profit - personnel_costs - operating_costs", UP, 0),
    _derived("result_ratio", "Umsatzrendite %", "Return on sales %", "%", Domain.STATISTICS,
             "operating_result / revenue_total * 100", UP),
    _derived("marketing_ratio", "Marketingquote %", "Marketing ratio %", "%", Domain.MARKETING,
             "marketing_spend / revenue_total * 100", None),
    _derived("revenue_per_customer", "Umsatz je aktivem Kunden", "Revenue per active customer", "EUR", Domain.SALES,
             "revenue_total * 12 / months / customers_active", UP, 0),
    _derived("market_share", "Marktausschöpfung %", "Market exhaustion %", "%", Domain.MARKET,
             "revenue_new * 12 / months / sales_potential * 100", UP),
)

# fmt: on

CATALOGUE: tuple[MetricDef, ...] = ENTERED + IMPORTED + DERIVED
