"""The credit account: what one business unit grants one customer, and who looks after it."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credit_domain.customers.models import Customer
from credit_domain.db.base import Base, Timestamped
from credit_domain.db.types import Money, UTCDateTime
from credit_domain.orgs.models import BusinessUnit, Person, Region, Team


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"  # 信用冻结: no new orders or shipments until released
    CLOSED = "closed"


class CreditAccount(Timestamped, Base):
    """A customer's credit in one business unit (credit segment)."""

    __tablename__ = "credit_accounts"
    __table_args__ = (
        UniqueConstraint("business_unit_id", "customer_id"),
        UniqueConstraint("business_unit_id", "external_id"),
        Index("ix_credit_accounts_bu_owner", "business_unit_id", "owner_id"),
        Index("ix_credit_accounts_bu_team", "business_unit_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))  # the ERP's customer number
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # salesperson
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    credit_limit: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    grade: Mapped[str | None] = mapped_column(String(8))
    score: Mapped[float | None]
    status: Mapped[AccountStatus] = mapped_column(String(16), default=AccountStatus.ACTIVE)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    hold_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Why the hold was placed, as a category (``overdue``, ``bureau``, ``manual``, ``rule``):
    # what may lift it without a person (overdue holds once the overdue invoices are paid).
    hold_cause: Mapped[str | None] = mapped_column(String(32))
    review_date: Mapped[dt.date | None] = mapped_column(Date)
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    # Bumped on every change of limit or status; guards concurrent edits.
    version: Mapped[int] = mapped_column(Integer, default=1)

    customer: Mapped[Customer] = relationship()
    business_unit: Mapped[BusinessUnit] = relationship()
    owner: Mapped[Person | None] = relationship()
    team: Mapped[Team | None] = relationship()
    region: Mapped[Region | None] = relationship()
    temporary_limits: Mapped[list[TemporaryLimit]] = relationship(back_populates="account")

    @property
    def on_hold(self) -> bool:
        return self.status == AccountStatus.ON_HOLD


class TemporaryLimitStatus(enum.StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class TemporaryLimit(Base):
    """Extra limit (临时额度) valid from ``valid_from`` to ``valid_to`` inclusive, in the
    business unit's local dates."""

    __tablename__ = "temporary_limits"
    __table_args__ = (Index("ix_temporary_limits_account_status", "account_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_accounts.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[TemporaryLimitStatus] = mapped_column(
        String(16), default=TemporaryLimitStatus.ACTIVE
    )
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(64))  # e.g. "application:APP-2026-000042"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    account: Mapped[CreditAccount] = relationship(back_populates="temporary_limits")
