"""The main navigation: each entry shows only for users who may use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.auth.permissions import Action, Principal


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    visible: Callable[[Principal], bool]


NAV: tuple[NavItem, ...] = (
    NavItem("Übersicht", "/", lambda p: True),
    NavItem("Partner", "/partner", lambda p: not p.is_partner_user and p.may(Action.VIEW)),
)


def nav_for(principal: Principal | None) -> list[NavItem]:
    return [] if principal is None else [item for item in NAV if item.visible(principal)]
