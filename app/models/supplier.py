"""Records of the supplier's own systems about a partner: open items, warranty claims, purchases,
marketing; and the runs that imported them (by upload, API push or drop folder)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class OpenItem(Base):
    """An open item (offener Posten) the partner owes the supplier; the import is the full list,
    so an item missing from the next list is settled."""

    __tablename__ = "open_items"
    __table_args__ = (UniqueConstraint("document_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    document_no: Mapped[str] = mapped_column(String(40))
    document_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[float] = mapped_column(Float)
    dunning_level: Mapped[int] = mapped_column(Integer, default=0)
    settled_on: Mapped[date | None] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_import_runs.id"))


class WarrantyClaim(Base):
    __tablename__ = "warranty_claims"
    __table_args__ = (UniqueConstraint("claim_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    claim_no: Mapped[str] = mapped_column(String(40))
    received: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # open | approved | rejected
    amount: Mapped[float] = mapped_column(Float)
    decided: Mapped[date | None] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_import_runs.id"))


class Purchase(Base):
    """What the partner bought from the supplier in a month, per product group."""

    __tablename__ = "purchases"
    __table_args__ = (UniqueConstraint("partner_id", "month", "product_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    month: Mapped[date] = mapped_column(Date)
    product_group: Mapped[str] = mapped_column(String(60))
    amount: Mapped[float] = mapped_column(Float)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_import_runs.id"))


class MarketingActivity(Base):
    """A marketing campaign the partner took part in, with the co-op funds it drew."""

    __tablename__ = "marketing_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    campaign: Mapped[str] = mapped_column(String(120))
    start: Mapped[date] = mapped_column(Date)
    coop_funds: Mapped[float] = mapped_column(Float, default=0.0)


class ImportSource(Base):
    """A system the supplier's files come from, with its column mapping (our field -> its header)."""

    __tablename__ = "import_sources"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # open-items | warranty-claims | purchases
    name: Mapped[str] = mapped_column(String(80))
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SupplierImportRun(Base):
    """One file taken in (or refused), with its report."""

    __tablename__ = "supplier_import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(10))  # upload | api | drop
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("import_sources.id"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    dry_run: Mapped[bool] = mapped_column(default=False)
    rows_ok: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class DropFile(Base):
    """A file seen in the drop folder: the unique row is the claim, so one worker takes it, once."""

    __tablename__ = "drop_files"
    __table_args__ = (UniqueConstraint("kind", "file_name", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    claimed_by: Mapped[str] = mapped_column(String(80))  # host:pid of the worker
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_import_runs.id"))
