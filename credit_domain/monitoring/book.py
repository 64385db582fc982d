"""The monitoring's view of a credit book: each open account of a business unit with its
effective limit, exposure, overdue receivables, aging and utilisation state, from one
statement, streamed.

The statement reads each ledger table once (one grouped pass over the open invoices gives the
receivables, the overdue total and oldest due date the hold tolerance looks at, and the five
aging buckets), so a job's cost is one pass over the book whatever it looks for, and memory
stays flat: the jobs keep only the accounts that change. The utilisation job reads it for the
threshold crossings (:func:`credit_domain.monitoring.utilisation.move`), the overdue scan for
the holds beyond tolerance (:func:`credit_domain.monitoring.overdue.beyond_tolerance`).

The figures are those of :mod:`credit_domain.accounts.exposure`, whose per-table aggregates
it uses (exposure = open receivables + shipped, not invoiced + open orders; effective limit =
permanent + temporary limits valid today), and the aging buckets of
:mod:`credit_domain.analytics.facts` (1–30, 31–60, 61–90 and over 90 days past due).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from credit_domain.accounts.exposure import (
    open_orders_by_account,
    temporary_limits_by_account,
    uninvoiced_by_account,
)
from credit_domain.accounts.models import AccountStatus, CreditAccount, TemporaryLimit
from credit_domain.analytics.facts import BUCKET_DAYS, coalesce0, in_bucket, money_sql, zero
from credit_domain.ledger.models import Invoice
from credit_domain.monitoring.models import UtilisationState

ZERO = Decimal("0.00")
TENTH = Decimal("0.1")


class Position(NamedTuple):
    """One account of the book; a tuple made straight from its row (a scan reads 100,000)."""

    account_id: int
    status: str  # an AccountStatus
    effective_limit: Decimal
    exposure: Decimal
    receivables: Decimal
    # Open receivables past due, counting only invoices with at least the hold rule's
    # ``ignore_below`` open (residues do not count), and the oldest of their due dates.
    overdue: Decimal
    oldest_due: dt.date | None
    b1: Decimal  # receivables 1–30 days past due
    b2: Decimal  # 31–60
    b3: Decimal  # 61–90
    b4: Decimal  # over 90
    level: int  # the utilisation state: the highest threshold crossed, and its episode
    episode: int

    @property
    def past_due(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return self.b1, self.b2, self.b3, self.b4

    @property
    def current(self) -> Decimal:
        """Receivables not yet due."""
        return self.receivables - self.b1 - self.b2 - self.b3 - self.b4

    @property
    def percent(self) -> Decimal | None:
        """Exposure as a percentage of the effective limit (one decimal); None without one."""
        if self.effective_limit <= 0:
            return None
        return (self.exposure * 100 / self.effective_limit).quantize(TENTH)


def positions(session: Session, business_unit_id: int, today: dt.date,
              ignore_below: Decimal = ZERO) -> Iterator[Position]:
    """Every open (not closed) account of the unit on ``today``, in no particular order
    (asking for one makes PostgreSQL sort and merge where it would hash)."""
    stmt = _statement(business_unit_id, today, max(ignore_below, Decimal("0.01")))
    make = Position._make
    for row in session.connection().execute(stmt.execution_options(yield_per=2000)):
        yield make(row)


def _past_due(today: dt.date, name: str) -> Any:
    cond = in_bucket(Invoice.due_date, today, name)
    return coalesce0(func.sum(case((cond, Invoice.open_amount), else_=zero()))).label(name)


def _statement(business_unit_id: int, today: dt.date, counted_from: Decimal) -> Any:
    counted = and_(Invoice.due_date < today, Invoice.open_amount >= counted_from)
    recv = (
        select(Invoice.account_id.label("aid"),
               func.sum(Invoice.open_amount).label("open"),
               coalesce0(func.sum(case((counted, Invoice.open_amount), else_=zero())))
               .label("overdue"),
               func.min(case((counted, Invoice.due_date))).label("oldest_due"),
               *(_past_due(today, name) for name in BUCKET_DAYS))
        .where(Invoice.business_unit_id == business_unit_id, Invoice.open_amount > 0)
        .group_by(Invoice.account_id)
        .subquery()
    )
    unit_accounts = select(CreditAccount.id).where(
        CreditAccount.business_unit_id == business_unit_id).scalar_subquery()

    def in_unit(model: Any) -> ColumnElement[bool]:
        # Deliveries and orders carry their unit (one column to test); limits go by account.
        if model is TemporaryLimit:
            return TemporaryLimit.account_id.in_(unit_accounts)
        return model.business_unit_id == business_unit_id  # type: ignore[no-any-return]

    temp = temporary_limits_by_account(today, in_unit)
    dlv = uninvoiced_by_account(in_unit)
    orders = open_orders_by_account(in_unit)
    limit = money_sql(CreditAccount.credit_limit + coalesce0(temp.c.v))
    exposure = money_sql(coalesce0(recv.c.open) + coalesce0(dlv.c.v) + coalesce0(orders.c.v))
    return (
        select(CreditAccount.id, CreditAccount.status, limit, exposure,
               coalesce0(recv.c.open), coalesce0(recv.c.overdue), recv.c.oldest_due,
               *(coalesce0(recv.c[name]) for name in BUCKET_DAYS),
               func.coalesce(UtilisationState.level, 0),
               func.coalesce(UtilisationState.episode, 0))
        .outerjoin(recv, recv.c.aid == CreditAccount.id)
        .outerjoin(temp, temp.c.aid == CreditAccount.id)
        .outerjoin(dlv, dlv.c.aid == CreditAccount.id)
        .outerjoin(orders, orders.c.aid == CreditAccount.id)
        .outerjoin(UtilisationState, UtilisationState.account_id == CreditAccount.id)
        .where(CreditAccount.business_unit_id == business_unit_id,
               CreditAccount.status != AccountStatus.CLOSED)
    )

