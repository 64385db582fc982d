"""Payments (with their allocation to invoices) and credit notes, idempotent by the ERP's
number. A re-sent record with another amount or allocation is re-applied and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select

from credit_domain.accounts.models import CreditAccount
from credit_domain.events import PaymentReceived
from credit_domain.i18n import text_factory
from credit_domain.ledger.models import CreditNote, Invoice, Payment
from credit_domain.ledger.problems import Loc, reject
from credit_domain.ledger.records import AllocationIn, CreditNoteRecord, PaymentRecord
from credit_domain.ledger.services import allocation
from credit_domain.ledger.services.common import (
    Change,
    Recorded,
    locate,
    not_after_today,
    same_account,
)
from credit_domain.orgs.models import BusinessUnit
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")
ZERO = Decimal("0.00")
Plan = list[tuple[Invoice, Decimal]]
Locate = Callable[[int, str], Loc]


def _explicit_plan(uow: UnitOfWork, account: CreditAccount, wanted: list[AllocationIn],
                   loc: Locate) -> Plan:
    numbers = [a.invoice_external_id for a in wanted]
    invoices = {i.external_id: i for i in uow.session.scalars(select(Invoice).where(
        Invoice.account_id == account.id, Invoice.external_id.in_(numbers)))}
    plan: Plan = []
    for i, a in enumerate(wanted):
        invoice = invoices.get(a.invoice_external_id)
        if invoice is None:
            raise reject(loc(i, "invoice_external_id"), _(
                "This customer has no invoice {number}.", number=a.invoice_external_id))
        already = sum((amt for inv, amt in plan if inv is invoice), ZERO)
        if a.amount > invoice.open_amount - already:
            raise reject(loc(i, "amount"), _(
                "Invoice {number} has only {open} open.", number=invoice.external_id,
                open=invoice.open_amount - already))
        plan.append((invoice, a.amount))
    return plan


def _plan(uow: UnitOfWork, account: CreditAccount, amount: Decimal,
          wanted: list[AllocationIn] | None, loc: Locate) -> Plan:
    if wanted is not None:
        return _explicit_plan(uow, account, wanted, loc)
    return allocation.oldest_due_first(allocation.open_invoices(uow.session, account.id), amount)


def _days_late(settled: list[Invoice], on: dt.date) -> tuple[int, ...]:
    return tuple((on - invoice.due_date).days for invoice in settled)


def record_payment(uow: UnitOfWork, bu: BusinessUnit, rec: PaymentRecord) -> Recorded:
    """A payment received, applied as the ERP says (``allocations``) or oldest due first;
    what is left stays unapplied. A new payment raises ``PaymentReceived`` with the days late
    of each invoice it settled."""
    session, now = uow.session, uow.now()
    not_after_today(uow, bu, rec.received_on, "received_on")
    account, payment = locate(uow, bu, rec, Payment)
    if payment is None:
        payment = Payment(business_unit_id=bu.id, account_id=account.id,
                          external_id=rec.external_id, amount=rec.amount,
                          unapplied_amount=rec.amount, received_on=rec.received_on,
                          created_at=now, updated_at=now)
        session.add(payment)
        session.flush()
        settled = _apply(uow, account, payment, rec)
        uow.publish(PaymentReceived(bu.id, account.id, payment.id, payment.amount,
                                    payment.received_on, _days_late(settled, rec.received_on)))
        return Recorded("payment", rec.external_id, payment.id, Change.CREATED)
    same_account(payment, account, _("Payment {number} belongs to another customer.",
                                     number=rec.external_id))
    before = {"amount": payment.amount, "received_on": payment.received_on,
              "allocations": allocation.current_plan(session, payment_id=payment.id)}
    wanted = None if rec.allocations is None else _merged(rec.allocations)
    if (payment.amount, payment.received_on) == (rec.amount, rec.received_on) and (
            wanted is None or wanted == before["allocations"]):
        return Recorded("payment", rec.external_id, payment.id, Change.UNCHANGED)
    allocation.unapply(session, payment_id=payment.id)
    payment.amount, payment.received_on, payment.updated_at = rec.amount, rec.received_on, now
    _apply(uow, account, payment, rec)
    uow.audit("payment.changed", "payment", payment.id, business_unit_id=bu.id, before=before,
              after={"amount": payment.amount, "received_on": payment.received_on,
                     "allocations": allocation.current_plan(session, payment_id=payment.id)})
    return Recorded("payment", rec.external_id, payment.id, Change.UPDATED)


def _merged(wanted: list[AllocationIn]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for a in wanted:
        out[a.invoice_external_id] = out.get(a.invoice_external_id, ZERO) + a.amount
    return out


def _apply(uow: UnitOfWork, account: CreditAccount, payment: Payment, rec: PaymentRecord
           ) -> list[Invoice]:
    plan = _plan(uow, account, payment.amount, rec.allocations,
                 lambda i, field: ("allocations", i, field))
    settled = allocation.apply(uow.session, plan, payment.received_on, payment_id=payment.id)
    payment.unapplied_amount = payment.amount - sum((amt for _i, amt in plan), ZERO)
    return settled


def record_credit_note(uow: UnitOfWork, bu: BusinessUnit, rec: CreditNoteRecord) -> Recorded:
    """A credit note reduces the invoice it names (or the oldest due ones)."""
    session, now = uow.session, uow.now()
    not_after_today(uow, bu, rec.issued_on, "issued_on")
    account, note = locate(uow, bu, rec, CreditNote)
    wanted = ([AllocationIn(invoice_external_id=rec.invoice_external_id, amount=rec.amount)]
              if rec.invoice_external_id else None)
    if note is None:
        note = CreditNote(business_unit_id=bu.id, account_id=account.id,
                          external_id=rec.external_id, amount=rec.amount,
                          issued_on=rec.issued_on, reason=rec.reason, created_at=now,
                          updated_at=now)
        session.add(note)
        session.flush()
        change = Change.CREATED
    else:
        same_account(note, account, _("Credit note {number} belongs to another customer.",
                                      number=rec.external_id))
        before = {"amount": note.amount, "issued_on": note.issued_on,
                  "allocations": allocation.current_plan(session, credit_note_id=note.id)}
        same_target = wanted is None or _merged(wanted) == before["allocations"]
        if (note.amount, note.issued_on) == (rec.amount, rec.issued_on) and same_target:
            return Recorded("credit_note", rec.external_id, note.id, Change.UNCHANGED)
        allocation.unapply(session, credit_note_id=note.id)
        uow.audit("credit_note.changed", "credit_note", note.id, business_unit_id=bu.id,
                  before=before, after={"amount": rec.amount, "issued_on": rec.issued_on,
                                        "invoice": rec.invoice_external_id})
        note.amount, note.issued_on, note.reason, note.updated_at = (
            rec.amount, rec.issued_on, rec.reason, now)
        change = Change.UPDATED
    plan = _plan(uow, account, note.amount, wanted, lambda _i, field: (field,))
    allocation.apply(session, plan, note.issued_on, credit_note_id=note.id)
    return Recorded("credit_note", rec.external_id, note.id, change)
