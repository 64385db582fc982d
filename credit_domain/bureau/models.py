"""Bureau data at rest: snapshots of each customer's company record, the signals raised by
their changes, the response cache and the shared rate-limit buckets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from credit_domain.db.base import Base
from credit_domain.db.types import UTCDateTime


class BureauSnapshot(Base):
    """The normalised company record (``BureauReport.to_json()``) as one provider gave it."""

    __tablename__ = "bureau_snapshots"
    __table_args__ = (Index("ix_bureau_snapshots_customer_fetched", "customer_id", "fetched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    provider: Mapped[str] = mapped_column(String(32))
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))


class BureauSignal(Base):
    """A change worth a credit manager's attention (new lawsuit, dishonest-debtor listing, …).
    ``ref`` identifies the record that raised it, so the same record never signals twice."""

    __tablename__ = "bureau_signals"
    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "ref"),
        Index("ix_bureau_signals_customer_raised", "customer_id", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("bureau_snapshots.id"))
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(8))  # info | warn | danger
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class BureauCacheEntry(Base):
    """A successful provider response, reused until ``expires_at``."""

    __tablename__ = "bureau_cache"
    __table_args__ = (UniqueConstraint("provider", "request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    request_key: Mapped[str] = mapped_column(String(64))  # sha256 of endpoint and parameters
    endpoint: Mapped[str] = mapped_column(String(200))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class RateBucket(Base):
    """A token bucket shared by every process on the database (one row per provider)."""

    __tablename__ = "bureau_rate_buckets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
