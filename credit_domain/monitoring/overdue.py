"""Overdue scan: a newly overdue invoice alerts its salesperson and their manager once
(publishing :class:`~credit_domain.events.InvoiceOverdue`); overdue receivables beyond the
policy's tolerance (days or amount) put the credit account on hold.

Invoices already overdue for longer than ``new_within_days`` when first seen (an ERP that sent
them late, a first load of old data, a scheduler stopped for a while) are not lost: each
account's such invoices raise one combined alert (no flood), and each still publishes its
``InvoiceOverdue`` once, so the rules see every overdue invoice exactly once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from credit_domain.accounts.holds import place_hold
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.customers.links import customer_path
from credit_domain.customers.models import Customer
from credit_domain.events import InvoiceOverdue
from credit_domain.i18n import Text, text_factory
from credit_domain.ledger.models import Invoice, overdue_unreported
from credit_domain.monitoring.alerts import Alert, raise_alert
from credit_domain.monitoring.book import Position, positions
from credit_domain.monitoring.policy import HoldRule, MonitoringPolicy, OverdueRules
from credit_domain.monitoring.runner import JobContext, Unit
from credit_domain.monitoring.severity import Severity
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")
KEY_PREFIX = "overdue:invoice:"


class OverdueInvoice(NamedTuple):  # a tuple: a scan holds one per newly overdue invoice
    invoice_id: int
    account_id: int
    customer_id: int
    customer: str
    external_id: str
    due_date: dt.date
    open_amount: Decimal


class HoldCandidate(NamedTuple):
    account_id: int
    oldest_due: dt.date
    overdue: Decimal


def overdue_scan(ctx: JobContext) -> None:
    """The ``overdue-scan`` job (see module docstring), every business unit."""
    ctx.for_each_unit(scan_unit)


def scan_unit(ctx: JobContext, unit: Unit) -> None:
    """Streamed: one account's unreported invoices at a time, then the book's positions one
    at a time, each account that needs something done in a step of its own; the scan holds
    no list of the book, so its memory does not grow with the number of accounts or
    invoices."""
    policy: MonitoringPolicy = ctx.domain.policies.get(unit.id, "monitoring")
    rules = policy.overdue
    today = ctx.today(unit)
    with ctx.domain.read() as session:
        for invoices in unreported(session, unit.id, today, rules):
            _report_account(ctx, unit, invoices, today, rules)
        if not rules.hold.enabled:
            return
        for p in positions(session, unit.id, today, rules.hold.ignore_below):
            candidate = beyond_tolerance(p, today, rules.hold)
            if candidate is None:
                continue
            with ctx.step(unit, f"account {p.account_id}") as uow:
                reason = hold_reason(candidate, today, rules.hold).render(unit.locale)
                if place_hold(uow, p.account_id, reason, ctx.actor, cause="overdue").changed:
                    ctx.report.count(unit, "accounts put on hold beyond tolerance")


def _report_account(ctx: JobContext, unit: Unit, invoices: list[OverdueInvoice],
                    today: dt.date, rules: OverdueRules) -> None:
    """One account's unreported overdue invoices: an alert for each newly overdue one, one
    alert for the older ones seen for the first time; all are marked reported."""
    new_from = today - dt.timedelta(days=rules.grace_days + rules.new_within_days)
    new = [inv for inv in invoices if inv.due_date >= new_from]
    late = [inv for inv in invoices if inv.due_date < new_from]
    with ctx.step(unit, f"account {invoices[0].account_id}") as uow:
        for inv in new:
            if _alert_overdue(ctx, uow, unit, inv, today):
                ctx.report.count(unit, "invoices newly overdue")
        if late and _alert_backlog(ctx, uow, unit, late, today):
            ctx.report.count(unit, "older overdue invoices first seen", len(late))
        _mark_reported(uow, invoices)


def unreported(session: Session, business_unit_id: int, today: dt.date,
               rules: OverdueRules) -> Iterator[list[OverdueInvoice]]:
    """Open invoices overdue beyond the grace days that the scan has not reported yet,
    streamed account by account (each account's list oldest due first). Those due within
    ``new_within_days`` are newly overdue; older ones were never seen overdue (sent late by
    the ERP, a first load, a scheduler stopped for a while). Read through the partial index
    of the unreported invoices, so the cost is what is new."""
    due_before = today - dt.timedelta(days=rules.grace_days)
    stmt = (
        select(Invoice.id, Invoice.account_id, Customer.id, Customer.legal_name,
               Invoice.external_id, Invoice.due_date, Invoice.open_amount)
        .join(CreditAccount, CreditAccount.id == Invoice.account_id)
        .join(Customer, Customer.id == CreditAccount.customer_id)
        .where(Invoice.business_unit_id == business_unit_id, overdue_unreported(),
               Invoice.due_date < due_before)
        .order_by(Invoice.account_id, Invoice.due_date, Invoice.id)
        .execution_options(yield_per=1000)
    )
    rows = (OverdueInvoice(*row) for row in session.connection().execute(stmt))
    for _account, invoices in groupby(rows, key=attrgetter("account_id")):
        yield list(invoices)


def beyond_tolerance(p: Position, today: dt.date, rule: HoldRule) -> HoldCandidate | None:
    """The account, when it is active and its overdue receivables exceed the tolerance: the
    oldest overdue invoice is more than ``after_days`` past due, or the overdue total is above
    ``above_amount``."""
    if not rule.enabled or p.status != AccountStatus.ACTIVE or p.oldest_due is None:
        return None
    if (today - p.oldest_due).days > rule.after_days or (
            rule.above_amount is not None and p.overdue > rule.above_amount):
        return HoldCandidate(p.account_id, p.oldest_due, p.overdue)
    return None


def _mark_reported(uow: UnitOfWork, invoices: list[OverdueInvoice]) -> None:
    """The scan has reported these (or found them reported): they leave its partial index."""
    if invoices:
        uow.session.execute(
            update(Invoice).where(Invoice.id.in_([i.invoice_id for i in invoices]))
            .values(overdue_reported=True).execution_options(synchronize_session=False))


def hold_reason(candidate: HoldCandidate, today: dt.date, rule: HoldRule) -> Text:
    days = (today - candidate.oldest_due).days
    if days > rule.after_days:
        return _("Overdue {days} days, beyond the tolerance of {tolerance} days",
                 days=days, tolerance=rule.after_days)
    return _("Overdue {amount}, above the tolerance of {tolerance}",
             amount=candidate.overdue, tolerance=rule.above_amount)


def _alert_overdue(ctx: JobContext, uow: UnitOfWork, unit: Unit, inv: OverdueInvoice,
                   today: dt.date) -> bool:
    days = (today - inv.due_date).days
    raised = raise_alert(uow, ctx.domain.policies, Alert(
        type="invoice_overdue", key=f"{KEY_PREFIX}{inv.invoice_id}",
        business_unit_id=unit.id, severity=Severity.WARNING, account_id=inv.account_id,
        title=_("Invoice {invoice} of {customer} is overdue", invoice=inv.external_id,
                customer=inv.customer),
        lines=(_("{amount} is still open; it was due on {due} ({days} days ago).",
                 amount=inv.open_amount, due=inv.due_date.isoformat(), days=days),),
        fields=((_("Customer"), inv.customer), (_("Invoice"), inv.external_id),
                (_("Open amount"), _("{amount}", amount=inv.open_amount)),
                (_("Days overdue"), str(days))),
        link=customer_path(inv.customer_id),
        facts={"amount": inv.open_amount, "days_overdue": days},
    ))
    if raised.new:
        uow.publish(InvoiceOverdue(unit.id, inv.account_id, inv.invoice_id, days,
                                   inv.open_amount))
    return raised.new


def _alert_backlog(ctx: JobContext, uow: UnitOfWork, unit: Unit, invoices: list[OverdueInvoice],
                   today: dt.date) -> bool:
    """One alert for an account's older overdue invoices seen for the first time; each
    invoice is marked alerted (so it is never reported again) and publishes its event."""
    first = invoices[0]  # the oldest due
    total = sum((i.open_amount for i in invoices), Decimal("0.00"))
    days = (today - first.due_date).days
    raised = raise_alert(uow, ctx.domain.policies, Alert(
        type="invoice_overdue",
        key=f"{KEY_PREFIX}{first.invoice_id}",  # the alert stands for the oldest
        business_unit_id=unit.id, severity=Severity.WARNING, account_id=first.account_id,
        title=_("{count} invoices of {customer} are overdue and had not been reported",
                count=len(invoices), customer=first.customer),
        lines=(_("{amount} is open on them; the oldest, {invoice}, was due on {due} ({days} "
                 "days ago).", amount=total, invoice=first.external_id,
                 due=first.due_date.isoformat(), days=days),),
        fields=((_("Customer"), first.customer), (_("Open amount"), _("{amount}", amount=total)),
                (_("Invoices"), "、".join(i.external_id for i in invoices[:10])
                 + ("…" if len(invoices) > 10 else "")),
                (_("Days overdue"), str(days))),
        link=customer_path(first.customer_id),
        facts={"amount": total, "days_overdue": days},
    ))
    if not raised.new:
        return False
    for inv in invoices:  # each is marked reported by the scan, so never reported again
        uow.publish(InvoiceOverdue(unit.id, inv.account_id, inv.invoice_id,
                                   (today - inv.due_date).days, inv.open_amount))
    return True
