"""The permission classes of shared/DESIGN.md, pre-made at set-up and editable afterwards."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.permissions import ALL_DOMAINS as ANY
from app.auth.permissions import GrantRule


@dataclass(frozen=True)
class ClassDef:
    key: str
    name: str
    description: str
    for_partner_users: bool
    grants: tuple[GrantRule, ...]


def _g(action: str, domain: str, scope: str) -> GrantRule:
    return GrantRule(action, domain, scope)


BUILTIN_CLASSES: tuple[ClassDef, ...] = (
    ClassDef(
        "administrator",
        "Administration",
        "Benutzer, Berechtigungen, Partner, Gruppen und Kennzahlen verwalten; Zahlen für jeden Partner erfassen.",
        False,
        (
            _g("administer", ANY, "all"),
            _g("view", ANY, "all"),
            _g("enter", ANY, "all"),
            _g("plan", ANY, "all"),
            _g("publish", ANY, "all"),
        ),
    ),
    ClassDef(
        "moderator",
        "Moderation",
        "Chaträume führen: anlegen, sperren, stummschalten, Beiträge entfernen.",
        False,
        (_g("moderate", ANY, "all"), _g("chat", ANY, "all")),
    ),
    ClassDef(
        "sales_management",
        "Vertriebsleitung / Analyse",
        "Alle Zahlen aller Partner, Gebiets- und Netzwerkauswertungen, Ziele vorgeben, Dokumente bereitstellen.",
        False,
        (_g("view", ANY, "all"), _g("plan", ANY, "all"), _g("publish", ANY, "all")),
    ),
    ClassDef(
        "territory_manager",
        "Gebietsleitung",
        "Zahlen der Partner in den eigenen Gebieten; ihre Ziele vorgeben; Dokumente für sie bereitstellen.",
        False,
        (_g("view", ANY, "managed"), _g("plan", ANY, "managed"), _g("publish", ANY, "managed")),
    ),
    ClassDef(
        "receivables",
        "Debitorenmanagement",
        "Forderungen aller Partner.",
        False,
        (_g("view", "receivables", "all"),),
    ),
    ClassDef(
        "warranty",
        "Garantieabteilung",
        "Garantiezahlen aller Partner.",
        False,
        (_g("view", "warranty", "all"),),
    ),
    ClassDef(
        "marketing",
        "Marketing",
        "Marketingzahlen aller Partner; Dokumente und Rundschreiben bereitstellen.",
        False,
        (_g("view", "marketing", "all"), _g("publish", ANY, "all")),
    ),
    ClassDef(
        "managing_director",
        "Geschäftsführung (Partner)",
        "Alle Zahlen des eigenen Betriebs, Erfassung, Betriebsvergleich, Chat; Ziele bestätigen.",
        True,
        (
            _g("view", ANY, "own"),
            _g("agree", ANY, "own"),
            _g("enter", ANY, "own"),
            _g("benchmark", ANY, "own"),
            _g("chat", ANY, "own"),
        ),
    ),
    ClassDef(
        "accountant",
        "Buchhaltung (Partner)",
        "Nur die Erfassung der eigenen Monatszahlen.",
        True,
        (_g("enter", ANY, "own"),),
    ),
)
