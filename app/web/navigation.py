"""The main navigation: each entry shows only for users who may use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.admin.common import may_administer
from app.analysis.routes import may_analyse
from app.auth.permissions import Principal
from app.chat.access import may_chat
from app.entry.routes import enters_only, may_enter
from app.network.directory import may_browse_partners
from app.steering.routes import may_follow_reporting, may_steer
from app.targets.routes import may_agree


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    visible: Callable[[Principal], bool]


NAV: tuple[NavItem, ...] = (
    NavItem("Übersicht", "/", lambda p: not enters_only(p)),
    NavItem("Betriebsvergleich", "/analyse", may_analyse),
    NavItem("Zahlen erfassen", "/erfassung", may_enter),
    NavItem("Unsere Ziele", "/ziele", may_agree),
    NavItem("Aufgaben", "/aufgaben", lambda p: True),
    NavItem("Kalender", "/kalender", lambda p: True),
    NavItem("Dokumente", "/dokumente", lambda p: True),
    NavItem("Chat", "/chat", may_chat),
    NavItem("Partner", "/partner", may_browse_partners),
    NavItem("Ziele", "/zentrale/ziele", may_steer),
    NavItem("Kennzahlen", "/zentrale/kennzahlen", may_follow_reporting),
    NavItem("Meldungen", "/zentrale/meldungen", may_follow_reporting),
    NavItem("Administration", "/admin", may_administer),
    NavItem("Mein Konto", "/konto", lambda p: True),
)


def nav_for(principal: Principal | None) -> list[NavItem]:
    return [] if principal is None else [item for item in NAV if item.visible(principal)]
