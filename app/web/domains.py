"""German names of the metric data domains, as the pages show them."""

from __future__ import annotations

DOMAIN_TITLES = {
    "sales": "Vertrieb",
    "service": "Service und Werkstatt",
    "warranty": "Garantie",
    "receivables": "Forderungen",
    "marketing": "Marketing",
    "statistics": "Betriebsstatistik",
    "market": "Markteinschätzung",
}
