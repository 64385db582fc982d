"""Stored scores (with their inputs and explanation) and optional financial statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from credit_domain.db.base import Base
from credit_domain.db.types import Money, UTCDateTime


class CreditScore(Base):
    """One scorecard result for a credit account: the score, its grade, the suggested limit,
    every input value and the contribution of each indicator (contributions sum to the score),
    under the scorecard version named here."""

    __tablename__ = "credit_scores"
    __table_args__ = (Index("ix_credit_scores_account_computed", "account_id", "computed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_accounts.id"))
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    as_of: Mapped[dt.date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(8))
    suggested_limit: Mapped[Decimal | None] = mapped_column(Money())
    policy_version: Mapped[int] = mapped_column(Integer)  # 0: the shipped default
    policy_sha256: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs_sha256: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(64))  # nightly, payment_received, manual, …


class FinancialStatement(Base):
    """A customer's balance sheet and income figures for one period (optional; feeds the
    Altman Z'' indicator). Amounts in the statement's currency, exact."""

    __tablename__ = "financial_statements"
    __table_args__ = (UniqueConstraint("customer_id", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    period_end: Mapped[dt.date] = mapped_column(Date)
    total_assets: Mapped[Decimal] = mapped_column(Money())
    current_assets: Mapped[Decimal] = mapped_column(Money())
    current_liabilities: Mapped[Decimal] = mapped_column(Money())
    total_liabilities: Mapped[Decimal] = mapped_column(Money())
    retained_earnings: Mapped[Decimal] = mapped_column(Money())
    ebit: Mapped[Decimal] = mapped_column(Money())
    book_equity: Mapped[Decimal] = mapped_column(Money())
    source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
