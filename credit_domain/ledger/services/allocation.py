"""Applying payments and credit notes to invoices.

Every change of an invoice's open amount goes through here, in the transaction that records
the payment or credit note, so ``Invoice.open_amount`` always equals the amount less its
allocations, ``Invoice.settled_on`` is the date the last allocation brought it to zero, and
``Payment.unapplied_amount`` is what is left of a payment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from credit_domain.ledger.models import Allocation, Invoice

ZERO = Decimal("0.00")


def allocated_to(session: Session, invoice_id: int) -> Decimal:
    """What payments and credit notes have settled of an invoice so far."""
    total = session.scalar(select(func.sum(Allocation.amount))
                           .where(Allocation.invoice_id == invoice_id))
    return total if total is not None else ZERO


def open_invoices(session: Session, account_id: int) -> list[Invoice]:
    """The account's open invoices, oldest due first (the default order of application)."""
    return list(session.scalars(
        select(Invoice).where(Invoice.account_id == account_id, Invoice.open_amount > 0)
        .order_by(Invoice.due_date, Invoice.issue_date, Invoice.id)))


def oldest_due_first(invoices: Sequence[Invoice], amount: Decimal
                     ) -> list[tuple[Invoice, Decimal]]:
    """Split ``amount`` over ``invoices`` in order, each up to its open amount."""
    plan, left = [], amount
    for invoice in invoices:
        if left <= 0:
            break
        part = min(left, invoice.open_amount)
        if part > 0:
            plan.append((invoice, part))
            left -= part
    return plan


def apply(session: Session, plan: Sequence[tuple[Invoice, Decimal]], on: dt.date, *,
          payment_id: int | None = None, credit_note_id: int | None = None) -> list[Invoice]:
    """Record the allocations of ``plan``; return the invoices this settled in full."""
    settled = []
    for invoice, amount in plan:
        session.add(Allocation(invoice_id=invoice.id, payment_id=payment_id,
                               credit_note_id=credit_note_id, amount=amount, applied_on=on))
        invoice.open_amount -= amount
        if invoice.open_amount == 0:
            invoice.settled_on = on
            settled.append(invoice)
    session.flush()
    return settled


def unapply(session: Session, *, payment_id: int | None = None,
            credit_note_id: int | None = None) -> None:
    """Remove a payment's (or credit note's) allocations and reopen what they settled."""
    column = Allocation.payment_id if payment_id is not None else Allocation.credit_note_id
    key = payment_id if payment_id is not None else credit_note_id
    rows = session.execute(select(Allocation.invoice_id, Allocation.amount)
                           .where(column == key)).all()
    for invoice_id, amount in rows:
        invoice = session.get(Invoice, invoice_id)
        if invoice is not None:
            invoice.open_amount += amount
            invoice.settled_on = None
    session.execute(delete(Allocation).where(column == key))
    session.flush()


def current_plan(session: Session, *, payment_id: int | None = None,
                 credit_note_id: int | None = None) -> dict[str, Decimal]:
    """A payment's (or credit note's) allocations as ``{invoice external id: amount}``."""
    column = Allocation.payment_id if payment_id is not None else Allocation.credit_note_id
    key = payment_id if payment_id is not None else credit_note_id
    rows = session.execute(
        select(Invoice.external_id, func.sum(Allocation.amount))
        .join(Invoice, Invoice.id == Allocation.invoice_id)
        .where(column == key).group_by(Invoice.external_id)).all()
    return {ext: amount for ext, amount in rows}


def refresh_settlement(session: Session, invoice: Invoice) -> None:
    """Recompute an invoice's open amount and settlement date from its allocations (after
    its amount changed)."""
    invoice.open_amount = invoice.amount - allocated_to(session, invoice.id)
    if invoice.open_amount > 0:
        invoice.settled_on = None
    elif invoice.settled_on is None:
        invoice.settled_on = session.scalar(select(func.max(Allocation.applied_on))
                                            .where(Allocation.invoice_id == invoice.id))
