"""What monitoring remembers between runs: job runs (the cluster-wide claim of a tick), the
alerts already raised (so a rerun never raises one twice) and each account's utilisation
level (so a crossing alerts once)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from credit_domain.db.base import Base
from credit_domain.db.types import UTCDateTime


class JobRunStatus(enum.StrEnum):
    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # some business units or accounts failed; the rest went on
    FAILED = "failed"


class JobRun(Base):
    """One run of a scheduled job. The unique (job, scheduled_for) pair is the claim: of
    several scheduler processes firing the same tick, only the one whose insert wins runs."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    scheduled_for: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | catch-up | manual
    runner: Mapped[str] = mapped_column(String(128))  # host:pid of the process that ran it
    missed: Mapped[int] = mapped_column(Integer, default=0)  # earlier ticks coalesced into it
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[JobRunStatus] = mapped_column(String(16), default=JobRunStatus.RUNNING)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class RaisedAlert(Base):
    """An alert that was raised, under its dedupe key (rule, subject, crossing/period)."""

    __tablename__ = "raised_alerts"
    __table_args__ = (Index("ix_raised_alerts_bu_type_raised", "business_unit_id", "alert",
                            "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    alert: Mapped[str] = mapped_column(String(48))
    severity: Mapped[str] = mapped_column(String(16))
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("credit_accounts.id"), index=True)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class UtilisationState(Base):
    """The highest threshold an account's utilisation has crossed, and how many times it fell
    back below (each fall starts a new episode, so the next crossing alerts again)."""

    __tablename__ = "utilisation_states"

    account_id: Mapped[int] = mapped_column(ForeignKey("credit_accounts.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, default=0)  # percent: 0, 80, 90, 100…
    episode: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
