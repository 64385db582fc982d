"""Balances as of a date, in SQL: the building block every analytics figure aggregates.

The period of a report is ``(start, as_of]`` (``months`` calendar months ending on
``as_of``). For each credit account in scope, :func:`account_facts` selects one row:

- ``receivables`` — open receivables on ``as_of``. For today they are ``Invoice.open_amount``;
  for a past date they are each invoice issued on or before that date less the allocations
  (payments and credit notes) applied on or before that date.
- ``current`` and ``b1``…``b4`` — the same split by days past due (``as_of − due_date``):
  not yet due (≤ 0), 1–30, 31–60, 61–90 and over 90 days.
- ``permanent_limit``, ``temporary_limit`` (valid on ``as_of``), ``limit`` (their sum).
- ``deliveries`` — shipped on or before ``as_of`` and not invoiced by its end;
  ``orders`` — open amount of open orders ordered on or before ``as_of``. Orders keep no
  status history, so for a past date this is today's open orders dated by then (an
  approximation, stated in the README); the permanent limit is today's for the same reason.
- ``exposure`` = receivables + deliveries + orders; ``available`` = limit − exposure.
- ``begin_ar`` — open receivables on ``start`` (always from the allocation history);
  ``sales`` — credit sales of the period (amounts of invoices issued in ``(start, as_of]``).
- ``held`` — 1 when the account is on credit hold and was put on hold by the end of
  ``as_of``; ``oldest_due`` — the earliest due date of an invoice overdue on ``as_of``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    FromClause,
    Integer,
    MetaData,
    ScalarSelect,
    Subquery,
    Table,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from credit_domain.accounts.models import (
    AccountStatus,
    CreditAccount,
    TemporaryLimit,
    TemporaryLimitStatus,
)
from credit_domain.db.types import Money, SummedMoney
from credit_domain.ledger.models import OPEN_ORDER_STATUSES, Allocation, Delivery, Invoice, Order

ZERO = Decimal("0.00")
BUCKETS = ("current", "b1", "b2", "b3", "b4")
# Days past due covered by b1…b4 (inclusive); b4 has no upper end.
BUCKET_DAYS = {"b1": (1, 30), "b2": (31, 60), "b3": (61, 90), "b4": (91, None)}


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_first = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (next_first - dt.timedelta(days=1)).day))


@dataclass(frozen=True)
class Period:
    """``(start, as_of]``; ``current`` when ``as_of`` is today (balances read
    ``Invoice.open_amount``); ``day_end`` is the instant ``as_of`` ends in the business
    unit's timezone."""

    as_of: dt.date
    start: dt.date
    current: bool
    day_end: dt.datetime

    @property
    def days(self) -> int:
        return (self.as_of - self.start).days


def money_sql(expr: Any) -> ColumnElement[Decimal]:
    """Type a money expression computed by adding, subtracting and summing money (see
    :class:`~credit_domain.db.types.SummedMoney`) so it reads back exactly."""
    return type_coerce(expr, SummedMoney())


def zero() -> ColumnElement[Decimal]:
    return literal(ZERO, Money())


def coalesce0(expr: Any) -> ColumnElement[Decimal]:
    """A sum of money, 0.00 where there was nothing to sum."""
    return func.coalesce(expr, zero(), type_=SummedMoney())


def applied_by(on: dt.date) -> Subquery:
    """Allocations (payments and credit notes) applied on or before ``on``, per invoice."""
    return (select(Allocation.invoice_id, func.sum(Allocation.amount).label("v"))
            .where(Allocation.applied_on <= on)
            .group_by(Allocation.invoice_id)
            .subquery())


def invoice_balances(on: dt.date, current: bool, account_ids: ScalarSelect[int]) -> Subquery:
    """Invoices of the accounts with a balance open on ``on``: ``invoice_id``, ``account_id``,
    ``due_date``, ``open`` (see module docstring for today versus a past date)."""
    if current:
        return (
            select(Invoice.id.label("invoice_id"), Invoice.account_id, Invoice.due_date,
                   Invoice.open_amount.label("open"))
            .where(Invoice.open_amount > 0, Invoice.account_id.in_(account_ids))
            .subquery()
        )
    applied = applied_by(on)
    open_amount = money_sql(Invoice.amount - coalesce0(applied.c.v))
    return (
        select(Invoice.id.label("invoice_id"), Invoice.account_id, Invoice.due_date,
               open_amount.label("open"))
        .outerjoin(applied, applied.c.invoice_id == Invoice.id)
        .where(Invoice.issue_date <= on, Invoice.account_id.in_(account_ids), open_amount > 0)
        .subquery()
    )


def in_bucket(due_date: InstrumentedAttribute[dt.date], as_of: dt.date,
              name: str) -> ColumnElement[bool]:
    """Whether a due date falls in aging bucket ``name`` (b1…b4) on ``as_of``."""
    low, high = BUCKET_DAYS[name]
    cond: ColumnElement[bool] = due_date <= as_of - dt.timedelta(days=low)
    if high is not None:
        cond = and_(cond, due_date >= as_of - dt.timedelta(days=high))
    return cond


def invoice_figures(period: Period, ids: ScalarSelect[int]) -> Subquery:
    """Per account, in one pass over its invoices: the receivables on ``as_of`` with their
    aging buckets and oldest overdue due date, the receivables open on ``start``, and the
    credit sales of the period (the same figures as :func:`invoice_balances` gives, each
    once; reading the invoices once instead of three times is most of a report's cost)."""
    d, start = period.as_of, period.start
    at_start = applied_by(start)
    begin_open = money_sql(Invoice.amount - coalesce0(at_start.c.v))
    source: FromClause = Invoice.__table__.outerjoin(
        at_start, at_start.c.invoice_id == Invoice.id)
    end_open: ColumnElement[Decimal]
    if period.current:
        end_open = money_sql(Invoice.open_amount)
        is_open = Invoice.open_amount > 0
    else:
        at_end = applied_by(d)
        end_open = money_sql(Invoice.amount - coalesce0(at_end.c.v))
        is_open = and_(Invoice.issue_date <= d, end_open > 0)
        source = source.outerjoin(at_end, at_end.c.invoice_id == Invoice.id)

    def open_sum(cond: ColumnElement[bool] | None = None) -> ColumnElement[Decimal]:
        when = is_open if cond is None else and_(is_open, cond)
        return coalesce0(func.sum(case((when, end_open), else_=zero())))

    return (
        select(
            Invoice.account_id.label("aid"),
            open_sum().label("receivables"),
            open_sum(Invoice.due_date >= d).label("current"),
            *(open_sum(in_bucket(Invoice.due_date, d, name)).label(name)
              for name in BUCKETS[1:]),
            func.min(case((and_(is_open, Invoice.due_date < d), Invoice.due_date)))
            .label("oldest_due"),
            coalesce0(func.sum(case((and_(Invoice.issue_date <= start, begin_open > 0),
                                     begin_open), else_=zero()))).label("begin_ar"),
            coalesce0(func.sum(case((and_(Invoice.issue_date > start, Invoice.issue_date <= d),
                                     Invoice.amount), else_=zero()))).label("sales"),
        )
        .select_from(source)
        .where(Invoice.account_id.in_(ids))
        .group_by(Invoice.account_id)
        .subquery()
    )


def account_facts(period: Period, where: ColumnElement[bool]) -> Subquery:
    """One row per credit account matching ``where`` (see module docstring)."""
    ids = select(CreditAccount.id).where(where).scalar_subquery()
    d = period.as_of
    recv = invoice_figures(period, ids)
    temp_status = ([TemporaryLimitStatus.ACTIVE] if period.current
                   else [TemporaryLimitStatus.ACTIVE, TemporaryLimitStatus.EXPIRED])
    temp = (
        select(TemporaryLimit.account_id.label("aid"), func.sum(TemporaryLimit.amount).label("v"))
        .where(TemporaryLimit.status.in_(temp_status), TemporaryLimit.valid_from <= d,
               TemporaryLimit.valid_to >= d, TemporaryLimit.account_id.in_(ids))
        .group_by(TemporaryLimit.account_id)
        .subquery()
    )
    not_invoiced = (Delivery.invoiced_at.is_(None) if period.current
                    else or_(Delivery.invoiced_at.is_(None),
                             Delivery.invoiced_at >= period.day_end))
    dlv = (
        select(Delivery.account_id.label("aid"), func.sum(Delivery.amount).label("v"))
        .where(not_invoiced, Delivery.shipped_on <= d, Delivery.account_id.in_(ids))
        .group_by(Delivery.account_id)
        .subquery()
    )
    orders = (
        select(Order.account_id.label("aid"), func.sum(Order.open_amount).label("v"))
        .where(Order.status.in_(OPEN_ORDER_STATUSES), Order.ordered_on <= d,
               Order.account_id.in_(ids))
        .group_by(Order.account_id)
        .subquery()
    )
    limit = money_sql(CreditAccount.credit_limit + coalesce0(temp.c.v))
    exposure = money_sql(coalesce0(recv.c.receivables) + coalesce0(dlv.c.v)
                         + coalesce0(orders.c.v))
    held = case((and_(CreditAccount.status == AccountStatus.ON_HOLD,
                      or_(CreditAccount.hold_since.is_(None),
                          CreditAccount.hold_since < period.day_end)),
                 literal(1, Integer())), else_=literal(0, Integer()))
    return (
        select(
            CreditAccount.id.label("account_id"),
            CreditAccount.business_unit_id,
            CreditAccount.region_id,
            CreditAccount.team_id,
            CreditAccount.owner_id,
            CreditAccount.customer_id,
            CreditAccount.grade,
            CreditAccount.hold_since,
            CreditAccount.hold_reason,
            held.label("held"),
            CreditAccount.credit_limit.label("permanent_limit"),
            coalesce0(temp.c.v).label("temporary_limit"),
            limit.label("limit"),
            *(coalesce0(recv.c[name]).label(name)
              for name in ("receivables", *BUCKETS)),
            recv.c.oldest_due,
            coalesce0(dlv.c.v).label("deliveries"),
            coalesce0(orders.c.v).label("orders"),
            exposure.label("exposure"),
            money_sql(limit - exposure).label("available"),
            coalesce0(recv.c.begin_ar).label("begin_ar"),
            coalesce0(recv.c.sales).label("sales"),
        )
        .outerjoin(recv, recv.c.aid == CreditAccount.id)
        .outerjoin(temp, temp.c.aid == CreditAccount.id)
        .outerjoin(dlv, dlv.c.aid == CreditAccount.id)
        .outerjoin(orders, orders.c.aid == CreditAccount.id)
        .where(where)
        .subquery("facts")
    )


_TEMPORARY = itertools.count(1)


@contextmanager
def materialised(session: Session, facts: Subquery) -> Iterator[FromClause]:
    """``facts`` computed once into a temporary table for the block: a report reads the
    facts a dozen times (totals, bands, grades, groups, lists), and each read of the subquery
    would compute every balance again. The table lives on the session's connection only."""
    table = Table(f"account_facts_{next(_TEMPORARY)}", MetaData(),
                  *(Column(c.name, c.type) for c in facts.c), prefixes=["TEMPORARY"])
    connection = session.connection()
    table.create(connection)
    session.execute(insert(table).from_select([c.name for c in facts.c], select(facts)))
    yield table
    # Not in a ``finally``: after an error the transaction is rolled back, and the table
    # (created in it) with it, on both databases.
    table.drop(connection)


MONEY_TOTALS = ("limit", "exposure", "available", "receivables", *BUCKETS, "deliveries",
                "orders", "begin_ar", "sales")


def totals_columns(facts: FromClause) -> list[ColumnElement[Any]]:
    """Aggregate columns over ``facts``: every money total, ``accounts``,
    ``overdue_accounts`` and ``on_hold`` (counts)."""
    overdue = money_sql(facts.c.receivables - facts.c.current)
    return [
        func.count().label("accounts"),
        *(coalesce0(func.sum(facts.c[name])).label(name) for name in MONEY_TOTALS),
        func.coalesce(func.sum(case((overdue > 0, literal(1, Integer())),
                                    else_=literal(0, Integer()))), 0).label("overdue_accounts"),
        func.coalesce(func.sum(facts.c.held), 0).label("on_hold"),
    ]


def utilisation_band(facts: FromClause) -> ColumnElement[str]:
    """``no_limit`` (limit ≤ 0), ``lt50`` (< 50 %), ``50to80`` (50–80 %), ``80to100``
    (80–100 %), ``over100`` (> 100 %) of exposure over limit; integer arithmetic, no floats."""
    exposure100 = facts.c.exposure * literal(100, Integer())
    return case(
        (facts.c.limit <= 0, literal("no_limit")),
        (exposure100 < facts.c.limit * literal(50, Integer()), literal("lt50")),
        (exposure100 < facts.c.limit * literal(80, Integer()), literal("50to80")),
        (exposure100 <= facts.c.limit * literal(100, Integer()), literal("80to100")),
        else_=literal("over100"),
    )
