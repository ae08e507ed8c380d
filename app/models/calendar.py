"""Appointments and visits with invitees and a visit report; each user's secret calendar feed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


def new_uid() -> str:
    return str(uuid.uuid4())


class Appointment(Base):
    """A Termin or Besuch. `uid` and `sequence` are what calendars know it by (RFC 5545): the uid never
    changes, the sequence grows with every change, a cancelled one stays as cancelled."""

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_start", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=new_uid)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="visit")  # visit | meeting
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="planned")  # planned | cancelled
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invitee(Base):
    __tablename__ = "appointment_invitees"
    __table_args__ = (UniqueConstraint("appointment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class VisitReport(Base):
    """The Besuchsbericht: the partner's invited users read it once it is released to them."""

    __tablename__ = "visit_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The follow-ups agreed, kept with the report in its transaction: each becomes a task once
    # (app.tasks; `key` is the task's follow_up_key), also if the worker died right after the commit.
    follow_ups: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")


class CalendarFeed(Base):
    """A user's secret iCalendar address. The token is kept as it is (calendars hold it in their
    subscription URL, and the user may look it up again, as Google's "secret address" works);
    revoking ends it (404) and gives a new one."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
