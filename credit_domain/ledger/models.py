"""Ledger records. Each carries the ERP's external id, unique per business unit, so a record
sent again is an update, not a duplicate.

Exposure categories (see ``credit_domain.accounts.exposure``):
- open orders: ``Order.open_amount`` of orders in an open status (reserved or released);
- shipped, not invoiced: ``Delivery.amount`` of deliveries not yet invoiced;
- open receivables: ``Invoice.open_amount`` (amount less allocated payments and credit notes).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credit_domain.accounts.models import CreditAccount
from credit_domain.db.base import Base, Timestamped
from credit_domain.db.types import Money, UTCDateTime


class OrderStatus(enum.StrEnum):
    RESERVED = "reserved"  # passed the credit check; its open amount is exposure
    BLOCKED = "blocked"  # failed the check; no exposure until released
    RELEASED = "released"  # released by an approved order-release application; exposure
    CONFIRMED = "confirmed"  # the ERP confirmed a reserved or released order; exposure
    COMPLETED = "completed"  # fully shipped
    CANCELLED = "cancelled"


OPEN_ORDER_STATUSES = (OrderStatus.RESERVED, OrderStatus.RELEASED, OrderStatus.CONFIRMED)


class Order(Timestamped, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("business_unit_id", "external_id"),
        Index("ix_orders_account_status", "account_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_accounts.id"))
    external_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money())
    open_amount: Mapped[Decimal] = mapped_column(Money())  # not yet shipped
    status: Mapped[OrderStatus] = mapped_column(String(16))
    ordered_on: Mapped[dt.date] = mapped_column(Date)
    block_reason: Mapped[str | None] = mapped_column(Text)
    # The credit check's answer, kept so a re-sent check returns the same answer.
    check_result: Mapped[str | None] = mapped_column(Text)

    account: Mapped[CreditAccount] = relationship()


class Delivery(Timestamped, Base):
    """Goods shipped; exposure as "shipped, not invoiced" until ``invoiced_at`` is set."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("business_unit_id", "external_id"),
        Index("ix_deliveries_account_invoiced", "account_id", "invoiced_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_accounts.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money())
    shipped_on: Mapped[dt.date] = mapped_column(Date)
    invoiced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Invoice(Timestamped, Base):
    """A receivable. ``open_amount`` is kept equal to ``amount`` less its allocations by the
    ledger services in the same transaction; history (aging as of a past date) reads the
    allocations themselves.

    ``overdue_reported`` is set once the overdue scan has reported the invoice overdue (see
    ``credit_domain.monitoring.overdue``). The scan reads the open, unreported invoices through
    a partial index, so each run costs what is new, not the whole overdue book; a query
    selects them by :func:`overdue_unreported`, which repeats the index's predicate word for
    word (SQLite uses a partial index only then)."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("business_unit_id", "external_id"),
        Index("ix_invoices_account_due", "account_id", "due_date"),
        Index("ix_invoices_bu_due", "business_unit_id", "due_date"),
        Index("ix_invoices_unreported", "business_unit_id", "due_date",
              sqlite_where=literal_column("overdue_reported = 0 AND open_amount > 0"),
              postgresql_where=literal_column("overdue_reported = false AND open_amount > 0")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_accounts.id"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"))
    external_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money())
    open_amount: Mapped[Decimal] = mapped_column(Money())
    issue_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    settled_on: Mapped[dt.date | None] = mapped_column(Date)  # when open_amount reached zero
    overdue_reported: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())

    account: Mapped[CreditAccount] = relationship()


def overdue_unreported() -> ColumnElement[bool]:
    """Open invoices the overdue scan has not reported: the predicate of the partial index
    ``ix_invoices_unreported``, rendered as its DDL is (the ``0`` is literal, not a bound
    parameter, so that SQLite can match it)."""
    return and_(Invoice.overdue_reported == false(), Invoice.open_amount > literal_column("0"))


class Payment(Timestamped, Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("business_unit_id", "external_id"),
        Index("ix_payments_account_received", "account_id", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_accounts.id"))
    external_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money())
    unapplied_amount: Mapped[Decimal] = mapped_column(Money())
    received_on: Mapped[dt.date] = mapped_column(Date)


class CreditNote(Timestamped, Base):
    __tablename__ = "credit_notes"
    __table_args__ = (UniqueConstraint("business_unit_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_accounts.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money())
    issued_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)


class Allocation(Base):
    """Part of a payment or credit note applied to an invoice on a date."""

    __tablename__ = "allocations"
    __table_args__ = (Index("ix_allocations_invoice_applied", "invoice_id", "applied_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_notes.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    applied_on: Mapped[dt.date] = mapped_column(Date)

    invoice: Mapped[Invoice] = relationship()
