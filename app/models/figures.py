"""Metrics, monthly figures with their history, reported months, targets and market data."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow


class Metric(Base):
    __tablename__ = "metrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    label_de: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(30), default="")
    domain: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # entered | derived | imported
    time_kind: Mapped[str | None] = mapped_column(String(10))  # flow | stock | average
    formula: Mapped[str | None] = mapped_column(Text)
    better: Mapped[str | None] = mapped_column(String(10))  # higher | lower
    decimals: Mapped[int] = mapped_column(Integer, default=0)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Figure(Base):
    """The current value of one metric for one partner and month; older values live in FigureRevision."""

    __tablename__ = "figures"
    __table_args__ = (UniqueConstraint("partner_id", "metric_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"))
    month: Mapped[date] = mapped_column(Date, index=True)  # first day of the month
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))  # form | api | import | demo
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    metric: Mapped[Metric] = relationship()


class FigureRevision(Base):
    """A value a figure held before it was changed, with who had set it and who replaced it."""

    __tablename__ = "figure_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    figure_id: Mapped[int] = mapped_column(ForeignKey("figures.id", ondelete="CASCADE"), index=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonthReport(Base):
    """A partner's month marked complete; its absence means not (yet) reported."""

    __tablename__ = "month_reports"
    __table_args__ = (
        UniqueConstraint("partner_id", "month"),
        # Every release check asks who reported a month lately, and the month's count and sum of
        # revisions (app.benchmark.month_reports): answered from this index alone, no table rows.
        Index("ix_month_reports_month_submitted", "month", "submitted_at", "revision", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    month: Mapped[date] = mapped_column(Date)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)


class Target(Base):
    """A planned value of a metric for a partner and month (targets roll up over months and territories)."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("partner_id", "metric_id", "month"),
        # One metric's span for every partner (the Zentrale's roll-ups), answered from the index alone.
        Index("ix_targets_metric_month", "metric_id", "month", "partner_id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"))
    month: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MarketValue(Base):
    """Imported market data for an area (a territory code or a two-digit postal area) and year."""

    __tablename__ = "market_values"
    __table_args__ = (UniqueConstraint("area_kind", "area_code", "metric_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_kind: Mapped[str] = mapped_column(String(10))  # territory | postal
    area_code: Mapped[str] = mapped_column(String(40))
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
