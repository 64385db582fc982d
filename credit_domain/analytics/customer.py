"""One customer's page (the 360° view as far as analytics knows it): limits, exposure,
aging, open invoices and recent payments as of a date, plus the panels other features add
(score and grade reasons, bureau signals; see ``.extensions``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from credit_domain.access import Actor, require_account
from credit_domain.accounts.models import CreditAccount
from credit_domain.analytics.extensions import (
    RESERVED_PANELS,
    CustomerPanel,
    customer_panels,
    figures,
)
from credit_domain.analytics.facts import invoice_balances
from credit_domain.analytics.report import KpiReport
from credit_domain.analytics.services import KpiQuery, compute_kpis
from credit_domain.analytics.tables import Column, Table
from credit_domain.errors import NotFound
from credit_domain.i18n import text_factory
from credit_domain.ledger.models import Invoice, Payment
from credit_domain.orgs.models import BusinessUnit

_ = text_factory("credit_domain")
RECENT_PAYMENTS = 10


@dataclass(frozen=True)
class OpenInvoice:
    external_id: str
    issue_date: dt.date
    due_date: dt.date
    amount: Decimal
    open: Decimal
    days_past_due: int  # ≤ 0: not yet due


@dataclass(frozen=True)
class RecentPayment:
    external_id: str
    received_on: dt.date
    amount: Decimal


@dataclass(frozen=True)
class CustomerView:
    account_id: int
    customer_id: int
    customer: str
    uscc: str | None
    business_unit: str
    business_unit_name: str
    salesperson: str | None
    team: str | None
    region: str | None
    payment_terms_days: int
    grade: str | None
    score: float | None
    status: str
    hold_reason: str | None
    permanent_limit: Decimal
    report: KpiReport
    invoices: tuple[OpenInvoice, ...]
    payments: tuple[RecentPayment, ...]
    panels: tuple[tuple[str, CustomerPanel | None], ...]  # None: not installed yet

    @property
    def temporary_limit(self) -> Decimal:
        return self.report.totals.limit - self.permanent_limit


def account_for_scope(domain: Any, business_unit: str, customer_id: int) -> int:
    """The credit account of a customer in a business unit (NotFound if there is none)."""
    with domain.read() as session:
        account_id = session.scalar(
            select(CreditAccount.id).join(BusinessUnit)
            .where(BusinessUnit.code == business_unit, CreditAccount.customer_id == customer_id))
    if account_id is None:
        raise NotFound(_("This customer has no credit account in {code}.", code=business_unit))
    return int(account_id)


def customer_view(domain: Any, actor: Actor, account_id: int, as_of: dt.date | None = None,
                  months: int = 3) -> CustomerView:
    """The customer page of ``account_id`` as ``actor`` may see it (Forbidden otherwise)."""
    with domain.read() as session:
        account = require_account(session, actor, account_id)
        scope = f"bu:{account.business_unit.code},customer:{account.customer_id}"
        report = compute_kpis(session, actor, KpiQuery(scope, as_of, months),
                              now=domain.clock.now(), sources=figures(domain))
        ids = select(CreditAccount.id).where(CreditAccount.id == account_id).scalar_subquery()
        bal = invoice_balances(report.as_of, report.current, ids)
        invoices = tuple(
            OpenInvoice(r.external_id, r.issue_date, r.due_date, r.amount, r.open,
                        (report.as_of - r.due_date).days)
            for r in session.execute(
                select(Invoice.external_id, Invoice.issue_date, Invoice.due_date,
                       Invoice.amount, bal.c.open)
                .join(bal, bal.c.invoice_id == Invoice.id)
                .order_by(Invoice.due_date, Invoice.external_id)))
        payments = tuple(
            RecentPayment(r.external_id, r.received_on, r.amount)
            for r in session.execute(
                select(Payment.external_id, Payment.received_on, Payment.amount)
                .where(Payment.account_id == account_id, Payment.received_on <= report.as_of)
                .order_by(Payment.received_on.desc(), Payment.id.desc())
                .limit(RECENT_PAYMENTS)))
        sources = customer_panels(domain)
        names = [*RESERVED_PANELS, *sorted(set(sources) - set(RESERVED_PANELS))]
        panels = tuple((name, sources[name](session, account_id, report.as_of)
                        if name in sources else None) for name in names)
        return CustomerView(
            account_id=account.id, customer_id=account.customer_id,
            customer=account.customer.legal_name, uscc=account.customer.uscc,
            business_unit=account.business_unit.code,
            business_unit_name=account.business_unit.name,
            salesperson=account.owner.name if account.owner else None,
            team=account.team.name if account.team else None,
            region=account.region.name if account.region else None,
            payment_terms_days=account.payment_terms_days, grade=account.grade,
            score=account.score, status=str(account.status), hold_reason=account.hold_reason,
            permanent_limit=account.credit_limit, report=report, invoices=invoices,
            payments=payments, panels=panels,
        )


def customer_tables(view: CustomerView) -> list[Table]:
    """The customer page's own tables (open invoices, recent payments), for page and export."""
    return [
        Table("invoices", _("Open invoices"),
              (Column("invoice", _("Invoice")), Column("issued", _("Issued"), "date"),
               Column("due", _("Due"), "date"), Column("amount", _("Amount"), "money"),
               Column("open", _("Open"), "money"),
               Column("days_past_due", _("Days past due"), "count")),
              tuple((i.external_id, i.issue_date, i.due_date, i.amount, i.open,
                     max(i.days_past_due, 0)) for i in view.invoices)),
        Table("payments", _("Recent payments"),
              (Column("payment", _("Payment")), Column("received", _("Received"), "date"),
               Column("amount", _("Amount"), "money")),
              tuple((p.external_id, p.received_on, p.amount) for p in view.payments)),
    ]
