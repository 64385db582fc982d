"""Scorecard indicators: what the scorecard knows about a credit account on a date.

Internal indicators are SQL aggregates over the ledger, grouped by account (one query per
family of indicators, for one account or a whole business unit), and read history *as of*
the date: an invoice counts from its issue date, a payment from the day it was applied. So
the same functions serve today's score and the backtest's score at a past date.

- ``days_beyond_terms``: dollar-weighted days past due over the last 12 months — payments
  applied in the window weighted by amount (paid early counts negative, at most 30 days),
  plus what is still open and past due today, weighted by its open amount;
- ``paydex``: that figure on the PAYDEX scale (100 = pays 30 days early, 80 = prompt,
  50 = 30 days late, 20 = 120 days late), by linear interpolation of D&B's table;
- ``overdue_ratio``: open past-due receivables ÷ open receivables;
- ``max_days_past_due``: the oldest open past-due invoice, in days;
- ``utilisation``: exposure ÷ effective limit (today), open receivables ÷ limit (past dates);
- ``relationship_years``: since the account opened (or its first invoice);
- ``avg_monthly_sales``: invoiced in the last 12 months ÷ 12; ``sales_trend``: invoiced in
  the last 6 months ÷ the 6 months before − 1;
- ``on_time_streak``: invoices settled on time since the last late one.

Bureau indicators read the newest snapshot taken on or before the date; financial ones the
newest statement. A value the data cannot give is absent from the result (the scorecard's
``missing`` treatment then applies), never zero.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from credit_domain.accounts.exposure import accounts_exposure
from credit_domain.accounts.models import CreditAccount
from credit_domain.analytics.facts import applied_by, coalesce0, money_sql, zero
from credit_domain.bureau.report import BureauReport
from credit_domain.bureau.services import latest_report
from credit_domain.customers.models import Customer
from credit_domain.i18n import Text, text_factory
from credit_domain.ledger.models import Allocation, Invoice
from credit_domain.money import RATIO
from credit_domain.scoring.models import FinancialStatement

_ = text_factory("credit_domain")


@dataclass(frozen=True)
class IndicatorInfo:
    label: Text
    kind: str = "number"  # number | category
    unit: str = ""


INDICATORS: dict[str, IndicatorInfo] = {
    "paydex": IndicatorInfo(_("Payment index (PAYDEX scale)")),
    "days_beyond_terms": IndicatorInfo(_("Dollar-weighted days beyond terms, 12 months"),
                                       unit="days"),
    "overdue_ratio": IndicatorInfo(_("Overdue share of open receivables")),
    "max_days_past_due": IndicatorInfo(_("Oldest open past-due invoice"), unit="days"),
    "utilisation": IndicatorInfo(_("Limit utilisation")),
    "relationship_years": IndicatorInfo(_("Relationship length"), unit="years"),
    "avg_monthly_sales": IndicatorInfo(_("Average monthly sales, 12 months"), unit="CNY"),
    "sales_trend": IndicatorInfo(_("Sales trend, last 6 months against the 6 before")),
    "on_time_streak": IndicatorInfo(_("Invoices paid on time since the last late one")),
    "years_established": IndicatorInfo(_("Years since establishment"), unit="years"),
    "registered_capital": IndicatorInfo(_("Registered capital"), unit="CNY"),
    "lawsuits_12m": IndicatorInfo(_("Lawsuits as defendant, 12 months")),
    "enforcements": IndicatorInfo(_("Court enforcement records")),
    "dishonest_listings": IndicatorInfo(_("Dishonest judgment debtor listings")),
    "equity_freezes": IndicatorInfo(_("Equity freezes")),
    "abnormal_operations": IndicatorInfo(_("Abnormal operation listings in force")),
    "company_status": IndicatorInfo(_("Registration status"), kind="category"),
    "altman_z": IndicatorInfo(_("Altman Z'' (private firms)")),
}

# (days beyond terms, PAYDEX) — Dun & Bradstreet's published correspondence.
PAYDEX_TABLE = [(-30, 100), (-20, 90), (0, 80), (15, 70), (22, 60), (30, 50), (60, 40),
                (90, 30), (120, 20), (180, 1)]
HUNDREDTH = Decimal("0.01")


def paydex(days_beyond_terms: Decimal | int) -> Decimal:
    """PAYDEX for a dollar-weighted days-beyond-terms figure (interpolated, 1–100)."""
    pts = PAYDEX_TABLE
    if days_beyond_terms <= pts[0][0]:
        return Decimal(pts[0][1])
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        if days_beyond_terms <= x1:
            return (y0 + Decimal(y1 - y0) * (days_beyond_terms - x0) / (x1 - x0)).quantize(
                HUNDREDTH)
    return Decimal(pts[-1][1])


def days_between(session: Session, later: Any, earlier: Any) -> ColumnElement[int]:
    """``later - earlier`` in whole days, for date columns or date literals, on both
    databases."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later - earlier, Integer)


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole).quantize(RATIO)


def _restrict(col: Any, ids: list[int] | None) -> ColumnElement[bool]:
    return col.in_(ids) if ids is not None else literal(True)


def _open_at(on: dt.date, ids: list[int] | None) -> Any:
    """Per invoice issued on or before ``on``: its amount open on ``on`` (as a subquery)."""
    applied = applied_by(on)
    open_amount = money_sql(Invoice.amount - coalesce0(applied.c.v))
    return (select(Invoice.id.label("iid"), Invoice.account_id.label("aid"),
                   Invoice.due_date.label("due"), Invoice.issue_date.label("issued"),
                   Invoice.settled_on.label("settled"), open_amount.label("open"))
            .outerjoin(applied, applied.c.invoice_id == Invoice.id)
            .where(Invoice.issue_date <= on, _restrict(Invoice.account_id, ids))
            .subquery())


def payment_indicators(session: Session, on: dt.date, ids: list[int] | None
                       ) -> dict[int, dict[str, Any]]:
    """days_beyond_terms, paydex, overdue_ratio, max_days_past_due, on_time_streak."""
    d_on = literal(on, Date)
    start = on - dt.timedelta(days=365)
    # Amounts weighted by whole days: money × days, exact (summed as money, so that cents on
    # SQLite scale like the weights themselves).
    late = days_between(session, Allocation.applied_on, Invoice.due_date)
    late = case((late < -30, -30), else_=late)
    paid = (select(Invoice.account_id.label("aid"),
                   coalesce0(func.sum(Allocation.amount)).label("w"),
                   coalesce0(func.sum(Allocation.amount * late)).label("wd"))
            .join(Invoice, Invoice.id == Allocation.invoice_id)
            .where(Allocation.payment_id.is_not(None), Allocation.applied_on > start,
                   Allocation.applied_on <= on, _restrict(Invoice.account_id, ids))
            .group_by(Invoice.account_id).subquery())
    inv = _open_at(on, ids)
    past_due = days_between(session, d_on, inv.c.due)
    is_open = inv.c.open > 0
    overdue = and_(is_open, inv.c.due < on)
    late_invoice = or_(and_(inv.c.settled.is_not(None), inv.c.settled <= on,
                            inv.c.settled > inv.c.due), overdue)
    last_late = (select(inv.c.aid.label("aid"), func.max(inv.c.due).label("due"))
                 .where(late_invoice).group_by(inv.c.aid).subquery())
    book = (select(
        inv.c.aid.label("aid"),
        func.count().label("n"),
        coalesce0(func.sum(case((is_open, inv.c.open), else_=zero()))).label("open"),
        coalesce0(func.sum(case((overdue, inv.c.open), else_=zero()))).label("overdue"),
        coalesce0(func.sum(case((overdue, inv.c.open * past_due), else_=zero())))
        .label("overdue_wd"),
        func.max(case((overdue, past_due), else_=0)).label("max_pd"),
        func.sum(case((and_(inv.c.settled.is_not(None), inv.c.settled <= on,
                            inv.c.settled <= inv.c.due,
                            or_(last_late.c.due.is_(None), inv.c.due > last_late.c.due)), 1),
                      else_=0)).label("streak"),
    ).outerjoin(last_late, last_late.c.aid == inv.c.aid).group_by(inv.c.aid).subquery())
    rows = session.execute(
        select(book.c.aid, book.c.n, book.c.open, book.c.overdue, book.c.overdue_wd,
               book.c.max_pd, book.c.streak, coalesce0(paid.c.w), coalesce0(paid.c.wd))
        .outerjoin(paid, paid.c.aid == book.c.aid))
    out: dict[int, dict[str, Any]] = {}
    for aid, n, open_, overdue_, overdue_wd, max_pd, streak, w, wd in rows:
        values: dict[str, Any] = {"on_time_streak": int(streak or 0),
                                  "max_days_past_due": int(max_pd or 0)}
        if open_:
            values["overdue_ratio"] = _ratio(overdue_, open_)
        elif n:
            values["overdue_ratio"] = Decimal(0)  # invoices, all settled: nothing is overdue
        weight = w + overdue_
        if weight > 0:
            dbt = ((wd + overdue_wd) / weight).quantize(HUNDREDTH)
            values["days_beyond_terms"] = dbt
            values["paydex"] = paydex(dbt)
        out[int(aid)] = values
    return out


def sales_indicators(session: Session, on: dt.date, ids: list[int] | None
                     ) -> dict[int, dict[str, Any]]:
    """avg_monthly_sales (Decimal), sales_trend, first invoice date (for relationship)."""
    y1, h1 = on - dt.timedelta(days=365), on - dt.timedelta(days=182)
    recent = coalesce0(func.sum(case((Invoice.issue_date > h1, Invoice.amount),
                                     else_=zero())))
    earlier = coalesce0(func.sum(case((and_(Invoice.issue_date > y1, Invoice.issue_date <= h1),
                                       Invoice.amount), else_=zero())))
    year = coalesce0(func.sum(case((Invoice.issue_date > y1, Invoice.amount), else_=zero())))
    rows = session.execute(
        select(Invoice.account_id, year, recent, earlier, func.min(Invoice.issue_date))
        .where(Invoice.issue_date <= on, _restrict(Invoice.account_id, ids))
        .group_by(Invoice.account_id))
    out: dict[int, dict[str, Any]] = {}
    for aid, year_total, recent_, earlier_, first in rows:
        values: dict[str, Any] = {"first_invoice": first}
        values["avg_monthly_sales"] = (year_total / 12).quantize(HUNDREDTH)
        if earlier_:
            values["sales_trend"] = _ratio(recent_, earlier_) - 1
        out[int(aid)] = values
    return out


def account_indicators(session: Session, on: dt.date, ids: list[int] | None,
                       *, today: dt.date | None = None) -> dict[int, dict[str, Any]]:
    """Every indicator of every account in ``ids`` (None: all accounts) as of ``on``;
    ``today`` (when ``on`` is today) switches utilisation to full exposure."""
    accounts = session.execute(
        select(CreditAccount.id, CreditAccount.customer_id, CreditAccount.opened_on,
               CreditAccount.credit_limit, CreditAccount.payment_terms_days,
               Customer.established_on)
        .join(Customer, Customer.id == CreditAccount.customer_id)
        .where(_restrict(CreditAccount.id, ids))).all()
    pay = payment_indicators(session, on, ids)
    sales = sales_indicators(session, on, ids)
    exposure = accounts_exposure(session, [a[0] for a in accounts], on) if on == today else {}
    opens = _open_receivables(session, on, ids) if on != today else {}
    reports: dict[int, BureauReport | None] = {}
    end_of_day = dt.datetime.combine(on + dt.timedelta(days=1), dt.time(), dt.UTC)
    out: dict[int, dict[str, Any]] = {}
    for aid, customer_id, opened_on, limit, terms, established in accounts:
        values: dict[str, Any] = {**pay.get(aid, {}), **sales.get(aid, {})}
        first = values.pop("first_invoice", None)
        start = opened_on or first
        if start is not None and start <= on:
            values["relationship_years"] = round((on - start).days / 365.25, 2)
        if aid in exposure:
            e = exposure[aid]
            if e.effective_limit > 0:
                values["utilisation"] = _ratio(e.exposure, e.effective_limit)
        elif limit and limit > 0 and aid in opens:
            values["utilisation"] = _ratio(opens[aid], limit)
        if customer_id not in reports:
            reports[customer_id] = latest_report(session, customer_id, end_of_day)
        values.update(bureau_indicators(reports[customer_id], on, established))
        values.update(financial_indicators(session, customer_id, on))
        values["payment_terms_days"] = int(terms)
        values["current_limit"] = Decimal(limit)
        out[aid] = values
    return out


def _open_receivables(session: Session, on: dt.date, ids: list[int] | None
                      ) -> dict[int, Decimal]:
    """Open receivables on ``on`` per account."""
    inv = _open_at(on, ids)
    rows = session.execute(select(inv.c.aid, coalesce0(func.sum(case(
        (inv.c.open > 0, inv.c.open), else_=zero())))).group_by(inv.c.aid))
    return {int(a): v for a, v in rows}


def bureau_indicators(report: BureauReport | None, on: dt.date,
                      established: dt.date | None) -> dict[str, Any]:
    """Indicators from a bureau snapshot, counting only records dated on or before ``on``."""
    values: dict[str, Any] = {}
    founded = (report.established_on if report and report.established_on else established)
    if founded is not None and founded <= on:
        values["years_established"] = round((on - founded).days / 365.25, 2)
    if report is None:
        return values
    year_ago = on - dt.timedelta(days=365)

    def by(d: dt.date | None) -> bool:
        return d is None or d <= on

    if report.registered_capital is not None:
        values["registered_capital"] = report.registered_capital
    values["lawsuits_12m"] = sum(1 for s in report.lawsuits if s.role == "defendant"
                                 and s.filed_on is not None and year_ago < s.filed_on <= on)
    values["enforcements"] = sum(1 for e in report.enforcements if by(e.filed_on))
    values["dishonest_listings"] = sum(1 for d in report.dishonest if by(d.published_on))
    values["equity_freezes"] = len(report.equity_freezes)
    values["abnormal_operations"] = sum(
        1 for a in report.abnormal_operations
        if by(a.listed_on) and (a.removed_on is None or a.removed_on > on))
    values["company_status"] = report.status.value
    return values


def financial_indicators(session: Session, customer_id: int, on: dt.date) -> dict[str, Any]:
    """Altman Z'' = 6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4 from the newest statement:
    X1 working capital ÷ total assets, X2 retained earnings ÷ total assets, X3 EBIT ÷ total
    assets, X4 book equity ÷ total liabilities."""
    st = session.scalars(select(FinancialStatement).where(
        FinancialStatement.customer_id == customer_id, FinancialStatement.period_end <= on)
        .order_by(FinancialStatement.period_end.desc()).limit(1)).first()
    if st is None or st.total_assets <= 0 or st.total_liabilities <= 0:
        return {}
    ta, tl = st.total_assets, st.total_liabilities
    z = (Decimal("6.56") * (st.current_assets - st.current_liabilities) / ta
         + Decimal("3.26") * st.retained_earnings / ta + Decimal("6.72") * st.ebit / ta
         + Decimal("1.05") * st.book_equity / tl)
    return {"altman_z": z.quantize(Decimal("0.001"))}


def ids_list(ids: Iterable[int] | None) -> list[int] | None:
    return None if ids is None else list(ids)
