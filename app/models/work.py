"""Working with partners: tasks with comments and history, recurring tasks, notifications and the mail queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

TASK_STATES = ("open", "in_progress", "done", "dropped")
PRIORITIES = ("low", "normal", "high")


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_assignee_status_due", "assignee_id", "status", "due"),
        Index("ix_tasks_partner_due", "partner_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recurring_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_tasks.id"))
    # A follow-up agreed in a visit (its report): the task points back to the visit.
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    follow_up_key: Mapped[str | None] = mapped_column(String(40), unique=True)  # "<appointment>:<n>"


class TaskComment(Base):
    __tablename__ = "task_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskEvent(Base):
    """The history of a task: created, and every change with before and after."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    change: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RecurringTask(Base):
    """A task made again and again: every week, month, quarter or year from `next_due` on."""

    __tablename__ = "recurring_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    every: Mapped[str] = mapped_column(String(10))  # week | month | quarter | year
    next_due: Mapped[date] = mapped_column(Date)
    lead_days: Mapped[int] = mapped_column(Integer, default=7)  # the task appears this long before it is due
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Notification(Base):
    """One entry of a user's notification centre. `dedupe` makes a reminder exactly once per user,
    however many workers or restarts try to send it (a unique key, not a check)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe: Mapped[str | None] = mapped_column(String(120))


class MailPreference(Base):
    """A user's choice not to get e-mail of one kind of notification (all kinds mail by default)."""

    __tablename__ = "mail_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    email: Mapped[bool] = mapped_column(Boolean, default=False)


class OutgoingMail(Base):
    """A mail to send, written in the transaction of what it tells; a worker claims, sends, marks it."""

    __tablename__ = "outgoing_mails"
    __table_args__ = (Index("ix_outgoing_mails_sent_at_id", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    to: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300))


class PortalSetting(Base):
    """A setting the Zentrale changes in the portal (e.g. the reporting deadline), with who and when."""

    __tablename__ = "portal_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
