"""Creating, listing and reading notifications, and queueing their mails.

A notification with a `dedupe` key exists at most once per user (a unique key): a reminder that
two workers or a restarted worker try to create again is skipped, so its mail goes out once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.mail.queue import queue_mail
from app.models import MailPreference, Notification, User, utcnow
from app.web.cursor import decode, encode

KINDS = {
    "task_assigned": "Neue Aufgabe für Sie",
    "task_due": "Aufgabe wird fällig",
    "task_overdue": "Aufgabe überfällig",
    "appointment": "Termine und ihre Änderungen",
    "document": "Neue Dokumente und Rundschreiben",
    "mention": "Erwähnungen in Gesprächen",
    "targets": "Ziele zu bestätigen",
    "report_missing": "Monatsmeldung fehlt",
}
PAGE = 30


@dataclass(frozen=True)
class Created:
    """A notification as the live event and the API carry it."""

    id: int
    user_id: int
    kind: str
    title: str
    url: str
    at: datetime

    def as_event(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "url": self.url, "at": self.at.isoformat()}


async def notify(
    session: AsyncSession,
    user_ids: Iterable[int],
    kind: str,
    title: str,
    url: str,
    *,
    base_url: str,
    lines: list[str] | None = None,
    dedupe: str | None = None,
) -> list[Created]:
    """One notification per user (skipped where `dedupe` exists already), and a mail to those who
    have an address and did not switch the kind off. Titles and lines never carry figures."""
    users = {u.id: u for u in await session.scalars(select(User).where(User.id.in_(set(user_ids)), User.active))}
    muted = set(
        await session.scalars(
            select(MailPreference.user_id).where(
                MailPreference.user_id.in_(users), MailPreference.kind == kind, ~MailPreference.email
            )
        )
    )
    made: list[tuple[User, Notification]] = []
    for user in users.values():
        row = Notification(user_id=user.id, kind=kind, title=title[:300], url=url[:300], dedupe=dedupe)
        if dedupe is None:
            session.add(row)  # nothing to collide with: one flush for all (a circular tells thousands)
        else:
            try:
                async with session.begin_nested():
                    session.add(row)
                    await session.flush()
            except IntegrityError:
                continue  # this reminder was made already (by another worker, or before a restart)
        made.append((user, row))
    await session.flush()
    for user, row in made:
        if user.email and user.id not in muted:
            queue_mail(session, user.email, title, lines or [title], f"{base_url}{url}", row.id)
    return [Created(row.id, user.id, kind, row.title, row.url, row.at) for user, row in made]


async def unread(session: AsyncSession, user_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


async def page_of(
    session: AsyncSession, user_id: int, cursor: str | None, limit: int = PAGE
) -> tuple[list[Notification], str | None]:
    """Newest first; the cursor of the next page, or None at the end."""
    query = select(Notification).where(Notification.user_id == user_id)
    if cursor:
        (before,) = decode(cursor, 1)
        query = query.where(Notification.id < int(before))  # type: ignore[call-overload]
    rows = list(await session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode(rows[-1].id) if more else None


async def mark_read(session: AsyncSession, user_id: int, ids: list[int] | None = None) -> None:
    """Mark the user's notifications read: the ones given, or all (another user's ids match nothing)."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    await session.execute(query.values(read_at=utcnow()))


async def mail_preferences(session: AsyncSession, user_id: int) -> dict[str, bool]:
    off = set(
        await session.scalars(
            select(MailPreference.kind).where(MailPreference.user_id == user_id, ~MailPreference.email)
        )
    )
    return {kind: kind not in off for kind in KINDS}


async def set_mail_preferences(session: AsyncSession, user_id: int, wanted: set[str]) -> None:
    existing = {
        p.kind: p for p in await session.scalars(select(MailPreference).where(MailPreference.user_id == user_id))
    }
    for kind in KINDS:
        preference = existing.get(kind) or MailPreference(user_id=user_id, kind=kind)
        preference.email = kind in wanted
        session.add(preference)
