"""Reserving exposure for an order, atomically.

The account is locked first (a row lock on PostgreSQL; the database write lock, taken by
``BEGIN IMMEDIATE``, on SQLite), then its exposure is aggregated and the order inserted, all
in one transaction: concurrent reservations can never together exceed the available limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from credit_domain.accounts.exposure import Exposure, account_exposure
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.clock import local_date
from credit_domain.errors import Conflict, InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.ledger.models import Order, OrderStatus
from credit_domain.money import money
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")


@dataclass(frozen=True)
class Reservation:
    """The answer to a reservation: accepted, or refused with the shortfall."""

    accepted: bool
    order_id: int | None
    account_id: int
    amount: Decimal
    available_before: Decimal
    on_hold: bool
    repeated: bool = False  # the same order id was reserved before; nothing changed

    @property
    def shortfall(self) -> Decimal:
        return max(Decimal("0.00"), self.amount - self.available_before)


@dataclass(frozen=True)
class Position:
    """A credit account locked for a decision on one order: its exposure as of ``today``
    (the business unit's date) and the order with that id, if it was seen before."""

    account: CreditAccount
    exposure: Exposure
    today: dt.date
    order: Order | None


def lock_position(uow: UnitOfWork, account_id: int, order_external_id: str) -> Position:
    """Lock the account (see module docstring) and measure it; everything decided from the
    position until commit is safe from concurrent orders on the same account."""
    account = uow.lock_account(account_id)
    today = local_date(uow.now(), account.business_unit.timezone)
    existing = uow.session.scalar(
        select(Order).where(
            Order.business_unit_id == account.business_unit_id,
            Order.external_id == order_external_id,
        )
    )
    return Position(account, account_exposure(uow.session, account_id, today), today, existing)


def place_order(uow: UnitOfWork, position: Position, order_external_id: str, amount: Decimal,
                status: OrderStatus, *, ordered_on: dt.date | None = None,
                block_reason: str | None = None, check_result: str | None = None) -> Order:
    """Store the order (new, or the blocked one with that id) as RESERVED (its amount becomes
    exposure) or BLOCKED (no exposure), audited, with the check's answer when it is known."""
    now, account = uow.now(), position.account
    order = position.order or Order(
        business_unit_id=account.business_unit_id, account_id=account.id,
        external_id=order_external_id, created_at=now,
    )
    order.amount, order.open_amount, order.status = amount, amount, status
    order.ordered_on, order.updated_at, order.block_reason = (
        ordered_on or position.today, now, block_reason)
    if check_result is not None:
        order.check_result = check_result
    uow.session.add(order)
    uow.session.flush()
    available = position.exposure.available
    if status == OrderStatus.BLOCKED:
        uow.audit("order.blocked", "order", order.id, business_unit_id=account.business_unit_id,
                  after={"available": available, "amount": amount, "order": order_external_id},
                  reason=block_reason)
    else:
        uow.audit("order.reserved", "order", order.id, business_unit_id=account.business_unit_id,
                  before={"available": available},
                  after={"available": available - amount, "amount": amount,
                         "order": order_external_id})
    return order


def reserve(
    uow: UnitOfWork,
    *,
    account_id: int,
    amount: Decimal,
    order_external_id: str,
    ordered_on: dt.date | None = None,
) -> Reservation:
    """Reserve ``amount`` of the account's available limit for an order.

    Accepted: the order is stored as RESERVED and its amount becomes exposure. Refused (over
    the available limit, or the account is on hold): nothing is stored. Reserving an order id
    that is already reserved returns the earlier answer and reserves nothing twice.
    """
    amount = money(amount)
    if amount <= 0:
        raise InvalidInput(_("The amount must be greater than zero: {text}", text=amount))
    position = lock_position(uow, account_id, order_external_id)
    existing, exposure = position.order, position.exposure
    if existing is not None and existing.status == OrderStatus.CANCELLED:
        raise Conflict(_("Order {order} was cancelled; send a new order id.",
                         order=order_external_id))
    if existing is not None and existing.status != OrderStatus.BLOCKED:
        return Reservation(True, existing.id, account_id, existing.amount,
                           exposure.available + existing.open_amount, False, repeated=True)
    on_hold = position.account.status == AccountStatus.ON_HOLD
    if on_hold or amount > exposure.available:
        return Reservation(False, None, account_id, amount, exposure.available, on_hold)
    order = place_order(uow, position, order_external_id, amount, OrderStatus.RESERVED,
                        ordered_on=ordered_on)
    return Reservation(True, order.id, account_id, amount, exposure.available, False)
