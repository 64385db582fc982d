"""Headline figures of a credit book (a team or a business unit), by SQL aggregates over the
exposure query: one statement for the totals, one for the largest overdue accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from credit_domain.accounts.exposure import ZERO, exposure_select
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.customers.models import Customer
from credit_domain.db.types import Money
from credit_domain.ledger.models import Invoice


@dataclass(frozen=True)
class BookFigures:
    accounts: int
    on_hold: int
    effective_limit: Decimal
    exposure: Decimal
    receivables: Decimal
    overdue: Decimal
    near_limit: int  # accounts at 90 % of their effective limit or more

    @property
    def utilisation(self) -> str:
        if self.effective_limit <= 0:
            return "-"
        return f"{self.exposure * 100 / self.effective_limit:.1f}%"

    @property
    def overdue_share(self) -> str:
        if self.receivables <= 0:
            return "-"
        return f"{self.overdue * 100 / self.receivables:.1f}%"


def _money_sum(expr: Any) -> ColumnElement[Decimal]:
    return type_coerce(func.coalesce(func.sum(expr), literal(ZERO, Money())), Money())


def book_figures(session: Session, today: dt.date, where: ColumnElement[bool]) -> BookFigures:
    """Totals over every open account matching ``where`` on ``today``."""
    scope = where & (CreditAccount.status != AccountStatus.CLOSED)
    sub = exposure_select(today, scope).subquery()
    aid, permanent, temporary, recv, dlv, orders, overdue = list(sub.c)
    limit = permanent + temporary
    exposure = recv + dlv + orders
    held = case((CreditAccount.status == AccountStatus.ON_HOLD, 1), else_=0)
    near = case(((limit > 0) & (exposure * 10 >= limit * 9), 1), else_=0)
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(held), 0), _money_sum(limit),
               _money_sum(exposure), _money_sum(recv), _money_sum(overdue),
               func.coalesce(func.sum(near), 0))
        .select_from(sub).join(CreditAccount, CreditAccount.id == aid)
    ).one()
    return BookFigures(int(row[0]), int(row[1]), row[2], row[3], row[4], row[5], int(row[6]))


def overdue_beyond(session: Session, today: dt.date, days: int,
                   where: ColumnElement[bool]) -> Decimal:
    """Open receivables more than ``days`` past due, for accounts matching ``where``."""
    value: Decimal | None = session.scalar(
        select(_money_sum(Invoice.open_amount))
        .join(CreditAccount, CreditAccount.id == Invoice.account_id)
        .where(where, Invoice.open_amount > 0,
               Invoice.due_date < today - dt.timedelta(days=days)))
    return value if value is not None else ZERO


def largest_overdue(session: Session, today: dt.date, where: ColumnElement[bool],
                    limit: int) -> list[tuple[str, Decimal]]:
    """The ``limit`` accounts with the most overdue receivables: (customer, amount)."""
    if limit <= 0:
        return []
    sub = exposure_select(today, where).subquery()
    columns = list(sub.c)
    aid, overdue = columns[0], columns[6]
    rows = session.execute(
        select(Customer.legal_name, type_coerce(overdue, Money()))
        .select_from(sub).join(CreditAccount, CreditAccount.id == aid)
        .join(Customer, Customer.id == CreditAccount.customer_id)
        .where(overdue > 0).order_by(overdue.desc(), CreditAccount.id).limit(limit))
    return [(str(name), amount) for name, amount in rows]
