"""Exposure and available limit, computed by SQL aggregates.

For a credit account on a date ``on`` (the business unit's local date):

- effective limit = permanent limit + active temporary limits valid on ``on``;
- exposure = open receivables (``Invoice.open_amount``) + shipped, not invoiced
  (``Delivery.amount`` with no invoice yet) + open orders (``Order.open_amount`` of reserved
  or released orders);
- available = effective limit − exposure (negative when over limit);
- overdue = open receivables whose due date is before ``on``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from credit_domain.accounts.models import CreditAccount, TemporaryLimit, TemporaryLimitStatus
from credit_domain.customers.models import Customer
from credit_domain.db.types import Money
from credit_domain.ledger.models import OPEN_ORDER_STATUSES, Delivery, Invoice, Order

ZERO = Decimal("0.00")
ExposureSelect = Select[int, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]
Day = dt.date | ColumnElement[dt.date]  # a date, or a bound parameter standing for one


@dataclass(frozen=True)
class Exposure:
    account_id: int
    credit_limit: Decimal
    temporary_limit: Decimal
    open_receivables: Decimal
    uninvoiced_deliveries: Decimal
    open_orders: Decimal
    overdue: Decimal

    @property
    def effective_limit(self) -> Decimal:
        return self.credit_limit + self.temporary_limit

    @property
    def exposure(self) -> Decimal:
        return self.open_receivables + self.uninvoiced_deliveries + self.open_orders

    @property
    def available(self) -> Decimal:
        return self.effective_limit - self.exposure

    @property
    def utilisation(self) -> Decimal | None:
        """Exposure as a fraction of the effective limit, exact (CEL sees it as a double, as
        it sees money); None without a limit."""
        if self.effective_limit <= 0:
            return None
        return self.exposure / self.effective_limit


def _coalesce(col: ColumnElement[Decimal]) -> ColumnElement[Decimal]:
    return func.coalesce(col, literal(ZERO, Money()), type_=Money())


Scope = Callable[[Any], ColumnElement[bool]]  # a ledger model → the rows to count


def _sum_by_account(account_id: Any, amount: Any, *where: ColumnElement[bool]) -> Subquery:
    """``aid``, ``v``: the sum of ``amount`` per account over the rows ``where`` selects."""
    return (select(account_id.label("aid"), func.sum(amount).label("v"))
            .where(*where).group_by(account_id).subquery())


def temporary_limits_by_account(on: Day, scope: Scope) -> Subquery:
    """Active temporary limits valid on ``on``, per account in ``scope``."""
    return _sum_by_account(
        TemporaryLimit.account_id, TemporaryLimit.amount,
        TemporaryLimit.status == TemporaryLimitStatus.ACTIVE, TemporaryLimit.valid_from <= on,
        TemporaryLimit.valid_to >= on, scope(TemporaryLimit))


def uninvoiced_by_account(scope: Scope) -> Subquery:
    """Shipped, not invoiced, per account in ``scope``."""
    return _sum_by_account(Delivery.account_id, Delivery.amount,
                           Delivery.invoiced_at.is_(None), scope(Delivery))


def open_orders_by_account(scope: Scope) -> Subquery:
    """Open amount of open orders, per account in ``scope``."""
    return _sum_by_account(Order.account_id, Order.open_amount,
                           Order.status.in_(OPEN_ORDER_STATUSES), scope(Order))


def exposure_select(on: Day, where: ColumnElement[bool] | None = None) -> ExposureSelect:
    """One row per credit account matching ``where``: the columns of :class:`Exposure`.

    Each category is a grouped subquery joined once, so the cost is one pass per table
    whatever the number of accounts; ``where`` is pushed into every subquery through the
    account id so that a single-account check reads only that account's rows.
    """
    ids = select(CreditAccount.id)
    if where is not None:
        ids = ids.where(where)
    id_filter = ids.scalar_subquery() if where is not None else None

    def scope(model: Any) -> ColumnElement[bool]:
        return model.account_id.in_(id_filter) if id_filter is not None else literal(True)

    temp = temporary_limits_by_account(on, scope)
    recv = (
        select(
            Invoice.account_id.label("aid"),
            func.sum(Invoice.open_amount).label("v"),
            func.sum(
                case((Invoice.due_date < on, Invoice.open_amount), else_=literal(ZERO, Money()))
            ).label("overdue"),
        )
        .where(Invoice.open_amount > 0, scope(Invoice))
        .group_by(Invoice.account_id)
        .subquery()
    )
    dlv = uninvoiced_by_account(scope)
    orders = open_orders_by_account(scope)
    stmt: ExposureSelect = (
        select(
            CreditAccount.id,
            CreditAccount.credit_limit,
            _coalesce(temp.c.v),
            _coalesce(recv.c.v),
            _coalesce(dlv.c.v),
            _coalesce(orders.c.v),
            _coalesce(recv.c.overdue),
        )
        .outerjoin(temp, temp.c.aid == CreditAccount.id)
        .outerjoin(recv, recv.c.aid == CreditAccount.id)
        .outerjoin(dlv, dlv.c.aid == CreditAccount.id)
        .outerjoin(orders, orders.c.aid == CreditAccount.id)
    )
    if where is not None:
        stmt = stmt.where(where)
    return stmt


def exposures(
    session: Session, on: dt.date, where: ColumnElement[bool] | None = None
) -> list[Exposure]:
    """Exposure of every account matching ``where`` (all accounts when None)."""
    return [Exposure(*row) for row in session.execute(exposure_select(on, where))]


@functools.cache
def _one_account() -> ExposureSelect:
    """The statement for one account, built once: an order check measures its account two
    or three times, and building the statement costs more than running it."""
    return exposure_select(bindparam("on", type_=Date()),
                           CreditAccount.id == bindparam("account_id", type_=Integer()))


def account_exposure(session: Session, account_id: int, on: dt.date) -> Exposure:
    rows = [Exposure(*row) for row in session.execute(
        _one_account(), {"on": on, "account_id": account_id})]
    if not rows:
        raise LookupError(f"credit account {account_id} does not exist")
    return rows[0]


def accounts_exposure(
    session: Session, account_ids: Iterable[int], on: dt.date
) -> dict[int, Exposure]:
    ids = list(account_ids)
    if not ids:
        return {}
    return {e.account_id: e for e in exposures(session, on, CreditAccount.id.in_(ids))}


@dataclass(frozen=True)
class GroupExposure:
    """Related companies (a parent and every descendant) in one business unit, summed."""

    root_customer_id: int
    members: Sequence[Exposure]

    def total(self, field: str) -> Decimal:
        return sum((getattr(m, field) for m in self.members), ZERO)

    @property
    def effective_limit(self) -> Decimal:
        return self.total("effective_limit")

    @property
    def exposure(self) -> Decimal:
        return self.total("exposure")

    @property
    def available(self) -> Decimal:
        return self.total("available")


def group_root(session: Session, customer_id: int) -> int:
    """The top of a customer's group (itself when it has no parent)."""
    current, seen = customer_id, set()
    while current not in seen:
        seen.add(current)
        parent = session.scalar(select(Customer.parent_id).where(Customer.id == current))
        if parent is None:
            return current
        current = parent
    return current


def group_exposure(
    session: Session, customer_id: int, business_unit_id: int, on: dt.date
) -> GroupExposure:
    """Exposure of the whole group ``customer_id`` belongs to, in one business unit."""
    root = group_root(session, customer_id)
    tree = select(Customer.id).where(Customer.id == root).cte("tree", recursive=True)
    tree = tree.union_all(select(Customer.id).where(Customer.parent_id == tree.c.id))
    members = exposures(
        session,
        on,
        and_(
            CreditAccount.business_unit_id == business_unit_id,
            CreditAccount.customer_id.in_(select(tree.c.id)),
        ),
    )
    return GroupExposure(root, members)
