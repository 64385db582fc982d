"""The demo data set is realistic (every aging bucket, holds, people in every role, valid
USCCs) and deterministic."""

import datetime as dt
import hashlib

from sqlalchemy import func, select

from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.bootstrap import Domain
from credit_domain.customers.models import Customer
from credit_domain.demo.seed import reset, seed_demo
from credit_domain.ledger.models import Invoice, Payment
from credit_domain.monitoring.jobs import run_job
from credit_domain.monitoring.models import RaisedAlert
from credit_domain.orgs.models import Role, RoleAssignment
from credit_domain.uscc import is_valid_uscc

TODAY = dt.date(2026, 3, 2)


def fingerprint(domain: Domain) -> str:
    with domain.read() as s:
        invoices = s.execute(select(Invoice.external_id, Invoice.amount, Invoice.open_amount,
                                    Invoice.due_date).order_by(Invoice.external_id)).all()
        accounts = s.execute(select(CreditAccount.external_id, CreditAccount.credit_limit)
                             .order_by(CreditAccount.external_id)).all()
        rows = [*invoices, *accounts]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_demo_is_realistic_and_deterministic(domain: Domain) -> None:
    summary = seed_demo(domain, today=TODAY)
    assert summary.business_units == 2 and summary.customers == 200
    assert summary.on_hold >= 3 and summary.invoices > 2000 and summary.orders > 20
    with domain.read() as s:
        roles = set(s.scalars(select(RoleAssignment.role).distinct()))
        assert roles == {r.value for r in Role}
        assert all(u is not None and is_valid_uscc(u) for u in s.scalars(select(Customer.uscc)))
        buckets = {"current": 0, "1-30": 0, "31-60": 0, "61-90": 0, "90+": 0}
        for (due,) in s.execute(select(Invoice.due_date)
                                     .where(Invoice.open_amount > 0)):
            days = (TODAY - due).days
            key = ("current" if days <= 0 else "1-30" if days <= 30 else "31-60"
                   if days <= 60 else "61-90" if days <= 90 else "90+")
            buckets[key] += 1
        assert all(n > 0 for n in buckets.values()), buckets
        late = s.scalar(select(func.count()).select_from(Payment).join(
            Invoice, Invoice.account_id == Payment.account_id).where(
            Payment.received_on > Invoice.due_date))
        assert late
        held = s.scalars(select(CreditAccount.hold_reason).where(
            CreditAccount.status == AccountStatus.ON_HOLD)).all()
        assert all(held)
    first = fingerprint(domain)
    reset(domain)
    seed_demo(domain, today=TODAY)
    assert fingerprint(domain) == first


def test_the_demo_history_counts_as_reported_not_as_this_weeks_alerts(domain: Domain) -> None:
    """The demo is a watched book: its first scan reports only the last week's overdue
    invoices, and the digests' "new overdue invoices" count only what that scan raised."""
    seed_demo(domain, today=TODAY)
    with domain.read() as s:
        assert s.scalar(select(func.count()).select_from(RaisedAlert)) == 0
    report = run_job(domain, "overdue-scan")
    assert report is not None
    newly = report.counts["invoices newly overdue"]
    assert newly > 0 and "older overdue invoices first seen" not in report.counts
    with domain.read() as s:
        raised = s.scalar(select(func.count()).select_from(RaisedAlert).where(
            RaisedAlert.alert == "invoice_overdue"))
    assert raised == newly
