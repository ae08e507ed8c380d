"""Target agreements (Zielvereinbarungen): one per partner, metric and year, with its state and history.

The monthly values stay in `targets` (app.models.figures.Target), which the roll-ups sum; a plan
says who proposed them, whether the partner's managing director agreed, and keeps every version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class TargetPlan(Base):
    __tablename__ = "target_plans"
    __table_args__ = (UniqueConstraint("partner_id", "metric_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))  # proposed | agreed | revised
    yearly: Mapped[float | None] = mapped_column(Float)  # the yearly value it was phased from; None: typed per month
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TargetPlanRevision(Base):
    """Every version of a plan and every agreement, append-only."""

    __tablename__ = "target_plan_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("target_plans.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))
    yearly: Mapped[float | None] = mapped_column(Float)
    months: Mapped[list[float]] = mapped_column(JSON)  # twelve values, January first
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(400), default="")
