"""An order's life after its credit check, and how its exposure moves:

- confirm: a reserved order is confirmed by the ERP (still an open order);
- ship: a delivery takes its amount out of the order into "shipped, not invoiced" — refused
  while the account is on credit hold, unless the order was released by an approved
  order-release application;
- invoice: the order's deliveries (and any part billed before shipping) become an open
  receivable;
- cancel: the open amount stops counting;
- release: an approved order-release application turns a blocked order into exposure.

Each call is idempotent: the same delivery or invoice number, or a second cancel, changes
nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credit_domain.accounts.models import AccountStatus
from credit_domain.errors import Conflict, CreditRefused, NotFound
from credit_domain.i18n import text_factory
from credit_domain.ledger.labels import status_label
from credit_domain.ledger.models import (
    OPEN_ORDER_STATUSES,
    Delivery,
    Order,
    OrderStatus,
)
from credit_domain.ledger.records import DeliveryRecord, InvoiceRecord
from credit_domain.ledger.services.common import Change, Recorded
from credit_domain.ledger.services.invoices import record_delivery, record_invoice
from credit_domain.orgs.models import BusinessUnit
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")


def find_order(session: Session, bu: BusinessUnit, external_id: str) -> Order:
    order = session.scalars(select(Order).where(
        Order.business_unit_id == bu.id, Order.external_id == external_id)).first()
    if order is None:
        raise NotFound(_("There is no order {order} in this business unit.", order=external_id))
    return order


def _set_status(uow: UnitOfWork, order: Order, status: OrderStatus, action: str,
                reason: str | None = None, before: dict[str, Any] | None = None) -> None:
    before = {"status": order.status, "open_amount": order.open_amount, **(before or {})}
    order.status, order.updated_at = status, uow.now()
    if status == OrderStatus.CANCELLED:
        order.open_amount = Decimal("0.00")
    uow.audit(action, "order", order.id, business_unit_id=order.business_unit_id, before=before,
              after={"status": order.status, "open_amount": order.open_amount}, reason=reason)


def confirm_order(uow: UnitOfWork, bu: BusinessUnit, external_id: str) -> Order:
    """The ERP confirmed the order; a blocked order cannot be confirmed before release."""
    order = find_order(uow.session, bu, external_id)
    uow.lock_account(order.account_id)
    if order.status == OrderStatus.RESERVED:
        _set_status(uow, order, OrderStatus.CONFIRMED, "order.confirmed")
    elif order.status == OrderStatus.BLOCKED:
        raise Conflict(_("Order {order} is blocked; it needs an approved release first.",
                         order=external_id))
    elif order.status not in (OrderStatus.CONFIRMED, OrderStatus.RELEASED):
        raise Conflict(_("Order {order} is {status}.", order=external_id,
                         status=status_label(order.status)))
    return order


def ship_order(uow: UnitOfWork, bu: BusinessUnit, external_id: str, *,
               delivery_external_id: str, amount: Decimal | None, shipped_on: dt.date
               ) -> Recorded:
    """Ship (part of) the order: ``amount`` defaults to what is left of it."""
    order = find_order(uow.session, bu, external_id)
    account = uow.lock_account(order.account_id)
    done = uow.session.scalars(select(Delivery).where(
        Delivery.business_unit_id == bu.id,
        Delivery.external_id == delivery_external_id)).first()
    if done is None:
        if order.status == OrderStatus.BLOCKED:
            raise CreditRefused(_("Order {order} is blocked; it needs an approved release "
                                  "first.", order=external_id))
        if account.status == AccountStatus.ON_HOLD and order.status != OrderStatus.RELEASED:
            raise CreditRefused(_("{customer} is on credit hold ({reason}); shipments wait "
                                  "until the hold is released.",
                                  customer=account.customer.legal_name,
                                  reason=account.hold_reason or "-"))
    rec = DeliveryRecord(customer_id=account.customer_id, external_id=delivery_external_id,
                         amount=amount or order.open_amount, shipped_on=shipped_on,
                         order_external_id=external_id)
    return record_delivery(uow, bu, rec)


def invoice_order(uow: UnitOfWork, bu: BusinessUnit, external_id: str, *,
                  invoice_external_id: str, amount: Decimal | None, issue_date: dt.date,
                  due_date: dt.date | None) -> Recorded:
    """Invoice the order's deliveries not yet invoiced (``amount`` defaults to them, or to the
    order's open amount when nothing shipped yet)."""
    order = find_order(uow.session, bu, external_id)
    account = uow.lock_account(order.account_id)
    if amount is None:
        shipped = uow.session.scalar(select(func.sum(Delivery.amount)).where(
            Delivery.order_id == order.id, Delivery.invoiced_at.is_(None)))
        amount = shipped or order.open_amount
    rec = InvoiceRecord(customer_id=account.customer_id, external_id=invoice_external_id,
                        amount=amount, issue_date=issue_date, due_date=due_date,
                        order_external_id=external_id)
    return record_invoice(uow, bu, rec)


def cancel_order(uow: UnitOfWork, bu: BusinessUnit, external_id: str,
                 reason: str | None = None) -> Recorded:
    """Cancel what is left of the order; a second cancel changes nothing."""
    order = find_order(uow.session, bu, external_id)
    uow.lock_account(order.account_id)
    if order.status == OrderStatus.CANCELLED:
        return Recorded("order", external_id, order.id, Change.UNCHANGED)
    if order.status == OrderStatus.COMPLETED:
        raise Conflict(_("Order {order} is {status}.", order=external_id,
                         status=status_label(order.status)))
    _set_status(uow, order, OrderStatus.CANCELLED, "order.cancelled", reason)
    return Recorded("order", external_id, order.id, Change.UPDATED)


def release_order(uow: UnitOfWork, order_id: int, *, reason: str | None = None) -> bool:
    """Release a blocked order (its order-release application was approved; the workflow's
    effect calls this): its amount becomes exposure even beyond the limit, and it may ship
    while the account is on hold. Returns True when it was released now, False when it
    already counts (released, reserved or confirmed); a cancelled or completed order is a
    Conflict."""
    order = uow.session.get(Order, order_id)
    if order is None:
        raise NotFound(_("There is no order {order} in this business unit.", order=order_id))
    uow.lock_account(order.account_id)
    if order.status == OrderStatus.BLOCKED:
        block_reason = order.block_reason
        _set_status(uow, order, OrderStatus.RELEASED, "order.released", reason,
                    before={"block_reason": block_reason})
        order.block_reason = None
        return True
    if order.status not in OPEN_ORDER_STATUSES:
        raise Conflict(_("Order {order} is {status}.", order=order.external_id,
                         status=status_label(order.status)))
    return False
