"""Domain events: a feature says once, after its commit, what happened; subscribers act on it.

Subscribers are registered in `create_app` (app.server), so a feature never imports a
sibling to tell it something (shared/STYLE.md, 11). A failing subscriber is logged and
does not keep the others from their turn: what happened is committed either way.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FiguresReleased:
    """A comparison group's figures of a month as partners see them now, after a submission."""

    group_id: int
    month: date
    cells: dict[str, Any]  # public cells, as `kpi:update` carries them
    reported: int  # members with the month reported
    members: int
    released_at: datetime  # when the figures were read: it shows every submission stored before


@dataclass(frozen=True)
class TaskAssigned:
    """A task went to a user (new, reassigned, or made by a recurring rule)."""

    task_id: int
    assignee_id: int
    title: str
    due: date | None
    by: str  # who assigned it, as the notification names them
    by_id: int | None = None  # None: a recurring rule


@dataclass(frozen=True)
class AppointmentChanged:
    """An appointment was planned, changed or cancelled: its invitees hear of it."""

    appointment_id: int
    title: str
    start: datetime
    change: str  # planned | changed | cancelled
    user_ids: tuple[int, ...]  # who is told (the invitees, not who made the change)
    by: str


@dataclass(frozen=True)
class FollowUpsAgreed:
    """A visit report names follow-ups; each becomes a task of its assignee (app.tasks)."""

    appointment_id: int
    partner_id: int | None
    author_id: int
    items: tuple[tuple[str, str, int, date | None], ...]  # key, title, assignee's user id, due


@dataclass(frozen=True)
class ReportReleased:
    """A visit report is released to the partner's invited users."""

    appointment_id: int
    title: str
    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class TargetsProposed:
    """The Zentrale proposed or changed targets of a partner's year: its managing director confirms them."""

    partner_id: int
    year: int
    changed: int


@dataclass(frozen=True)
class Mentioned:
    """A chat message names users (@name): they hear of it, without its text."""

    user_ids: tuple[int, ...]
    room_id: int
    room_name: str
    message_id: int
    author: str


@dataclass(frozen=True)
class DocumentPublished:
    """A document (or a new version of it) is there for these people: they hear of it."""

    document_id: int
    title: str
    circular: bool
    version: int
    user_ids: tuple[int, ...]
    by: str


Handler = Callable[[Any], Awaitable[None]]


class Events:
    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, kind: type, handler: Handler) -> None:
        self._handlers[kind].append(handler)

    async def publish(self, event: object) -> None:
        for handler in self._handlers[type(event)]:
            try:
                await handler(event)
            except Exception:
                name = getattr(handler, "__name__", handler)
                logger.exception("subscriber %s of %s failed", name, type(event).__name__)
