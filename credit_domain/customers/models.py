"""A customer is one legal entity, shared by every business unit; what a unit sells to it on
credit lives in that unit's credit account (``credit_domain.accounts``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credit_domain.db.base import Base, Timestamped


class Customer(Timestamped, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(300))
    normalized_name: Mapped[str] = mapped_column(String(300), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    # Group of related companies: the parent's id; the parent's own parent_id is None.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    established_on: Mapped[dt.date | None] = mapped_column(Date)
    industry: Mapped[str | None] = mapped_column(String(100))
    # When a duplicate is merged into another customer, it points at the survivor.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))

    aliases: Mapped[list[CustomerAlias]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )
    parent: Mapped[Customer | None] = relationship(
        remote_side="Customer.id", foreign_keys=[parent_id]
    )


class CustomerAlias(Base):
    """Another name people use for a customer (short name, English name, former name)."""

    __tablename__ = "customer_aliases"
    __table_args__ = (UniqueConstraint("customer_id", "normalized_alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(300))
    normalized_alias: Mapped[str] = mapped_column(String(300), index=True)

    customer: Mapped[Customer] = relationship(back_populates="aliases")
