"""The dealer network: territory tree, partners and comparison groups."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from itertools import chain
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    event,
    false,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.figures import MarketValue


def new_record_key() -> int:
    """63 random bits: a partner's secret record key (kpi.cellkey), as a signed 64-bit column holds it."""
    return secrets.randbits(63)


territory_managers = Table(
    "territory_managers",
    Base.metadata,
    Column("territory_id", ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

group_members = Table(
    "comparison_group_members",
    Base.metadata,
    Column("group_id", ForeignKey("comparison_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
)


class Territory(Base):
    """A node of the tree network -> region -> territory; managing a node covers its subtree."""

    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))  # network | region | territory
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Territory | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Territory]] = relationship(back_populates="parent")


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    size_class: Mapped[str] = mapped_column(String(20))  # klein | mittel | gross
    partner_type: Mapped[str] = mapped_column(String(40))
    postal_code: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Secret: the partner's record key for the perturbation of group figures (kpi.cellkey). Never shown.
    record_key: Mapped[int] = mapped_column(BigInteger, default=new_record_key)
    # The dealer contract and what the supplier grants the partner.
    contract_type: Mapped[str] = mapped_column(String(40), default="", server_default="")
    contract_since: Mapped[date | None] = mapped_column(Date)
    brands: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    service_authorised: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    credit_limit: Mapped[float | None] = mapped_column(Float)
    coop_budget: Mapped[float | None] = mapped_column(Float)  # co-op marketing funds per year

    territory: Mapped[Territory] = relationship()


class ComparisonGroup(Base):
    """A Vergleichsgruppe: every partner, a listed set, or partners matching a rule.

    A rule is a JSON object of criteria that all must match, each a list of allowed
    values: `{"size_class": ["gross"], "region": ["SUED"], "partner_type": [...]}`.
    """

    __tablename__ = "comparison_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # all | list | rule
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(400), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    listed_partners: Mapped[list[Partner]] = relationship(secondary=group_members)


class NetworkVersion(Base):
    """One row counting changes to territories, partners, groups and market data (app.network.version):
    a process keeps the group memberships it computed, and what it derived from their member lists
    (their market data among it), until the count moves, whichever worker moved it."""

    __tablename__ = "network_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(Session, "before_flush")
def _count_network_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Raise the network's change count in the transaction that adds, changes or removes a part of it."""
    changed = chain(session.new, session.deleted, (o for o in session.dirty if session.is_modified(o)))
    if any(isinstance(o, (Territory, Partner, ComparisonGroup, MarketValue)) for o in changed):
        session.execute(update(NetworkVersion).values(version=NetworkVersion.version + 1))
