"""Deliveries (shipped, not invoiced) and invoices (open receivables) pushed by the ERP,
idempotent by the ERP's number; a changed amount is an audited update, never a duplicate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from credit_domain.accounts.models import CreditAccount
from credit_domain.i18n import text_factory
from credit_domain.ledger.labels import status_label
from credit_domain.ledger.models import (
    OPEN_ORDER_STATUSES,
    Delivery,
    Invoice,
    Order,
    OrderStatus,
)
from credit_domain.ledger.problems import reject
from credit_domain.ledger.records import DeliveryRecord, InvoiceRecord
from credit_domain.ledger.services.allocation import allocated_to, refresh_settlement
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


def find_order(uow: UnitOfWork, account: CreditAccount, external_id: str,
               field: str = "order_external_id") -> Order:
    order = uow.session.scalars(select(Order).where(
        Order.business_unit_id == account.business_unit_id,
        Order.external_id == external_id)).first()
    if order is None or order.account_id != account.id:
        raise reject((field,), _("This customer has no order {order}.", order=external_id))
    return order


def record_delivery(uow: UnitOfWork, bu: BusinessUnit, rec: DeliveryRecord) -> Recorded:
    """Goods shipped: exposure moves from the order (if named) to "shipped, not invoiced"."""
    session, now = uow.session, uow.now()
    not_after_today(uow, bu, rec.shipped_on, "shipped_on")
    account, delivery = locate(uow, bu, rec, Delivery)
    order = find_order(uow, account, rec.order_external_id) if rec.order_external_id else None
    if delivery is None:
        if order is not None:
            take_from_order(order, rec.amount, now)
        delivery = Delivery(business_unit_id=bu.id, account_id=account.id,
                            order_id=order.id if order else None, external_id=rec.external_id,
                            amount=rec.amount, shipped_on=rec.shipped_on, created_at=now,
                            updated_at=now)
        session.add(delivery)
        session.flush()
        return Recorded("delivery", rec.external_id, delivery.id, Change.CREATED)
    same_account(delivery, account, _("Delivery {number} belongs to another customer.",
                                      number=rec.external_id))
    if (delivery.amount, delivery.shipped_on) == (rec.amount, rec.shipped_on):
        return Recorded("delivery", rec.external_id, delivery.id, Change.UNCHANGED)
    if delivery.amount != rec.amount:
        linked = session.get(Order, delivery.order_id) if delivery.order_id else None
        if linked is not None:
            take_from_order(linked, rec.amount - delivery.amount, now)
        uow.audit("delivery.amount_changed", "delivery", delivery.id, business_unit_id=bu.id,
                  before={"amount": delivery.amount}, after={"amount": rec.amount})
    delivery.amount, delivery.shipped_on, delivery.updated_at = rec.amount, rec.shipped_on, now
    return Recorded("delivery", rec.external_id, delivery.id, Change.UPDATED)


def take_from_order(order: Order, amount: Decimal, now: dt.datetime) -> None:
    """Move ``amount`` out of an order's open amount (negative: back in); a fully shipped
    order is completed."""
    if order.status not in (*OPEN_ORDER_STATUSES, OrderStatus.COMPLETED):
        raise reject(("order_external_id",), _(
            "Order {order} is {status}; it cannot ship.", order=order.external_id,
            status=status_label(order.status)))
    if amount > order.open_amount:
        raise reject(("amount",), _(
            "Order {order} has only {open} left to ship.", order=order.external_id,
            open=order.open_amount))
    order.open_amount -= amount
    if order.open_amount == 0:
        order.status = OrderStatus.COMPLETED
    elif order.status == OrderStatus.COMPLETED:
        order.status = OrderStatus.CONFIRMED
    order.updated_at = now


def record_invoice(uow: UnitOfWork, bu: BusinessUnit, rec: InvoiceRecord) -> Recorded:
    """An invoice: it becomes an open receivable; the deliveries it bills stop counting as
    shipped, not invoiced. Named by order without deliveries, the part not yet shipped is
    billed from the order's open amount."""
    session, now = uow.session, uow.now()
    not_after_today(uow, bu, rec.issue_date, "issue_date")
    account, invoice = locate(uow, bu, rec, Invoice)
    due = rec.due_date or rec.issue_date + dt.timedelta(days=account.payment_terms_days)
    if invoice is not None:
        same_account(invoice, account, _("Invoice {number} belongs to another customer.",
                                         number=rec.external_id))
        return _update_invoice(uow, invoice, rec, due)
    invoice = Invoice(business_unit_id=bu.id, account_id=account.id,
                      external_id=rec.external_id, amount=rec.amount, open_amount=rec.amount,
                      issue_date=rec.issue_date, due_date=due, created_at=now, updated_at=now)
    session.add(invoice)
    session.flush()
    billed = _bill_deliveries(uow, account, invoice, rec)
    if rec.order_external_id and not rec.delivery_external_ids:
        order = find_order(uow, account, rec.order_external_id)
        ahead = rec.amount - billed
        if ahead > 0:
            take_from_order(order, ahead, now)
    return Recorded("invoice", rec.external_id, invoice.id, Change.CREATED)


def _bill_deliveries(uow: UnitOfWork, account: CreditAccount, invoice: Invoice,
                     rec: InvoiceRecord) -> Decimal:
    session = uow.session
    if rec.delivery_external_ids:
        found = {d.external_id: d for d in session.scalars(select(Delivery).where(
            Delivery.account_id == account.id,
            Delivery.external_id.in_(rec.delivery_external_ids)))}
        for i, number in enumerate(rec.delivery_external_ids):
            if number not in found:
                raise reject(("delivery_external_ids", i), _(
                    "This customer has no delivery {number}.", number=number))
        deliveries = [d for d in found.values() if d.invoiced_at is None]
    elif rec.order_external_id:
        order = find_order(uow, account, rec.order_external_id)
        deliveries = list(session.scalars(select(Delivery).where(
            Delivery.order_id == order.id, Delivery.invoiced_at.is_(None))))
    else:
        deliveries = []
    for d in deliveries:
        d.invoiced_at, d.updated_at = uow.now(), uow.now()
    if len(deliveries) == 1:
        invoice.delivery_id = deliveries[0].id
    return sum((d.amount for d in deliveries), ZERO)


def _update_invoice(uow: UnitOfWork, invoice: Invoice, rec: InvoiceRecord, due: dt.date
                    ) -> Recorded:
    before = {"amount": invoice.amount, "issue_date": invoice.issue_date,
              "due_date": invoice.due_date}
    after = {"amount": rec.amount, "issue_date": rec.issue_date, "due_date": due}
    if before == after:
        return Recorded("invoice", rec.external_id, invoice.id, Change.UNCHANGED)
    paid = allocated_to(uow.session, invoice.id)
    if rec.amount < paid:
        raise reject(("amount",), _(
            "Invoice {number} has {paid} settled already; its amount cannot be less.",
            number=invoice.external_id, paid=paid))
    invoice.amount, invoice.issue_date, invoice.due_date = rec.amount, rec.issue_date, due
    invoice.updated_at = uow.now()
    refresh_settlement(uow.session, invoice)
    uow.audit("invoice.changed", "invoice", invoice.id, business_unit_id=invoice.business_unit_id,
              before=before, after=after)
    return Recorded("invoice", rec.external_id, invoice.id, Change.UPDATED)
