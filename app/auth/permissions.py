"""Deny-by-default permissions: a user may do what one of their grants allows.

A grant is (action, data domain, scope):
- action: view (see figures), enter (enter figures), benchmark (the group analysis),
  chat, moderate, administer, plan (set a partner's targets), agree (confirm the own
  business's targets)
- domain: a metric data domain (sales, service, ...) or "*" for all
- scope: "all", "own" (the user's partner), "managed" (the territories the user
  manages, with their subtrees) or "territory:<code>" (that node and its subtree)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    VIEW = "view"
    ENTER = "enter"
    BENCHMARK = "benchmark"
    CHAT = "chat"
    MODERATE = "moderate"
    ADMINISTER = "administer"
    PLAN = "plan"
    AGREE = "agree"
    PUBLISH = "publish"  # put documents into the library for partners in scope


ALL_DOMAINS = "*"


@dataclass(frozen=True, slots=True)
class GrantRule:
    action: str
    domain: str
    scope: str


@dataclass(frozen=True, slots=True)
class PartnerRef:
    """What a permission check needs to know of a partner: its id and territory path (codes, root first)."""

    id: int
    territory_path: tuple[str, ...]


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    partner_id: int | None
    partner_number: int | None
    grants: tuple[GrantRule, ...]
    managed_territories: frozenset[str] = field(default_factory=frozenset)
    must_change_password: bool = False

    @property
    def is_partner_user(self) -> bool:
        return self.partner_id is not None

    def may(self, action: str, domain: str | None = None) -> bool:
        """Whether any grant allows `action` (in `domain`, if given) on anything at all."""
        return any(g.action == action and _domain_matches(g.domain, domain) for g in self.grants)

    def can(self, action: str, partner: PartnerRef, domain: str | None = None) -> bool:
        """Whether a grant allows `action` on this partner's data (in `domain`, or in any domain if None)."""
        return any(
            g.action == action and _domain_matches(g.domain, domain) and self._covers(g.scope, partner)
            for g in self.grants
        )

    def _covers(self, scope: str, partner: PartnerRef) -> bool:
        if scope == "all":
            return True
        if scope == "own":
            return self.partner_id is not None and partner.id == self.partner_id
        if scope == "managed":
            return any(code in self.managed_territories for code in partner.territory_path)
        if scope.startswith("territory:"):
            return scope.removeprefix("territory:") in partner.territory_path
        return False


def _domain_matches(granted: str, wanted: str | None) -> bool:
    return wanted is None or granted in (ALL_DOMAINS, wanted)
