"""Overdue scan across days: a newly overdue invoice alerts its salesperson and their manager
once; overdue beyond the tolerance puts the account on hold, which refuses new orders."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.accounts.reservations import reserve
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.events import HoldChanged, InvoiceOverdue
from credit_domain.monitoring.models import JobRun
from tests.monitoring.helpers import (
    add_account,
    add_invoice,
    events_of,
    make_org,
    recipients,
    run,
    sent,
)

DAY0 = dt.date(2026, 3, 2)  # the clock fixture's Monday


def test_newly_overdue_invoice_alerts_owner_and_manager_once(any_domain: Domain,
                                                             clock: FrozenClock) -> None:
    org = make_org(any_domain)
    account = add_account(any_domain, org, "上海恒达精密机械有限公司")
    add_invoice(any_domain, account, 40_000, due=DAY0 + dt.timedelta(days=1))
    events = events_of(any_domain)

    run(any_domain, "overdue-scan")  # due tomorrow
    clock.advance(days=1)
    run(any_domain, "overdue-scan")  # due today: not overdue yet
    assert sent(any_domain) == []

    clock.advance(days=1)  # one day late
    report = run(any_domain, "overdue-scan")
    assert report.counts["invoices newly overdue"] == 1
    messages = sent(any_domain, "alert.invoice_overdue")
    assert recipients(messages) == {f"person:{org.seller}": 1, f"person:{org.manager}": 1}
    payload = messages[0].payload
    assert payload["title"]["params"]["customer"] == "上海恒达精密机械有限公司"
    assert payload["tone"] == "warn" and payload["fields"]
    overdue = [e for e in events if isinstance(e, InvoiceOverdue)]
    assert len(overdue) == 1 and overdue[0].days_overdue == 1
    assert overdue[0].open_amount == Decimal("40000.00")

    for _ in range(5):  # every later scan, and a restart's rerun, sends nothing again
        clock.advance(days=1)
        run(any_domain, "overdue-scan")
    assert len(sent(any_domain)) == 2
    assert len([e for e in events if isinstance(e, InvoiceOverdue)]) == 1


def test_old_overdue_invoices_are_reported_once_together_not_lost(
        domain: Domain, clock: FrozenClock) -> None:
    """An ERP that sends invoices late, a first load of old data or a stopped scheduler:
    invoices overdue for longer than ``new_within_days`` are not news, but not lost either."""
    org = make_org(domain)
    account = add_account(domain, org, "甲公司", limit=10_000_000)
    add_invoice(domain, account, 5_000, due=DAY0 - dt.timedelta(days=20))
    add_invoice(domain, account, 7_000, due=DAY0 - dt.timedelta(days=30))
    add_invoice(domain, account, 6_000, due=DAY0 - dt.timedelta(days=3))
    events = events_of(domain)
    report = run(domain, "overdue-scan")
    assert (report.counts["invoices newly overdue"],
            report.counts["older overdue invoices first seen"]) == (1, 2)
    messages = sent(domain, "alert.invoice_overdue")
    assert len(messages) == 4  # the invoice 3 days late, and one for the two older ones
    combined = [m for m in messages if "had not been reported" in m.payload["title"]["msgid"]]
    assert len(combined) == 2 and combined[0].payload["facts"]["days_overdue"] == 30
    assert combined[0].payload["title"]["params"]["count"] == 2
    overdue = sorted(e.days_overdue for e in events if isinstance(e, InvoiceOverdue))
    assert overdue == [3, 20, 30]  # the rules see every overdue invoice once
    clock.advance(days=1)
    again = run(domain, "overdue-scan")
    assert "older overdue invoices first seen" not in again.counts
    assert len(sent(domain, "alert.invoice_overdue")) == 4


def test_alerts_outside_working_time_wait_for_the_next_working_morning(
        domain: Domain, clock: FrozenClock) -> None:
    org = make_org(domain)
    account = add_account(domain, org, "甲公司")
    add_invoice(domain, account, 5_000, due=DAY0 + dt.timedelta(days=4))  # Friday
    clock.set(dt.datetime(2026, 3, 7, 0, 0, tzinfo=dt.UTC))  # Saturday 08:00 in Shanghai
    run(domain, "overdue-scan")
    messages = sent(domain, "alert.invoice_overdue")
    assert messages and all(m.next_attempt_at == dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)
                            for m in messages)  # Monday 09:00 in Shanghai


def test_overdue_beyond_tolerance_puts_the_account_on_hold(any_domain: Domain,
                                                          clock: FrozenClock) -> None:
    org = make_org(any_domain)
    late = add_account(any_domain, org, "迟付公司", limit=1_000_000)
    fine = add_account(any_domain, org, "守信公司", limit=1_000_000)
    add_invoice(any_domain, late, 30_000, due=DAY0 + dt.timedelta(days=1))
    add_invoice(any_domain, fine, 30_000, due=DAY0 + dt.timedelta(days=100))
    events = events_of(any_domain)

    clock.advance(days=61)  # 60 days late: at the tolerance, not beyond it
    run(any_domain, "overdue-scan")
    with any_domain.read() as s:
        assert s.get_one(CreditAccount, late).status == AccountStatus.ACTIVE

    clock.advance(days=1)
    report = run(any_domain, "overdue-scan")
    assert report.counts["accounts put on hold beyond tolerance"] == 1
    with any_domain.read() as s:
        account = s.get_one(CreditAccount, late)
        assert account.status == AccountStatus.ON_HOLD
        assert "61" in (account.hold_reason or "") and account.hold_since == clock.now()
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "hold.placed")).one()
        assert audit.entity_id == str(late) and audit.actor_label == "system:scheduler"
        assert s.get_one(CreditAccount, fine).status == AccountStatus.ACTIVE
    held = [e for e in events if isinstance(e, HoldChanged)]
    assert [(e.account_id, e.on_hold) for e in held] == [(late, True)]
    hold_alerts = sent(any_domain, "alert.credit_hold")
    assert recipients(hold_alerts) == {
        f"person:{org.seller}": 1, f"person:{org.manager}": 1, f"person:{org.finance}": 1,
        f"person:{org.admin}": 1, "#credit-alerts": 1}
    assert all(m.payload["severity"] == "urgent" for m in hold_alerts)

    with any_domain.uow() as uow:  # the hold blocks new orders
        answer = reserve(uow, account_id=late, amount=Decimal(1000), order_external_id="SO-1")
        uow.commit()
    assert not answer.accepted and answer.on_hold

    clock.advance(days=1)
    run(any_domain, "overdue-scan")  # already on hold: nothing more
    assert len(sent(any_domain, "alert.credit_hold")) == 5


def test_overdue_amount_above_tolerance_holds_too(domain: Domain, clock: FrozenClock) -> None:
    org = make_org(domain)
    big = add_account(domain, org, "大额公司", limit=5_000_000)
    add_invoice(domain, big, "1200000", due=DAY0 - dt.timedelta(days=2))
    add_invoice(domain, big, "99.99", due=DAY0 - dt.timedelta(days=200))  # a residue
    run(domain, "overdue-scan")
    with domain.read() as s:
        account = s.get_one(CreditAccount, big)
    assert account.status == AccountStatus.ON_HOLD
    # The amount criterion (the residue below ignore_below counts neither days nor amount);
    # the reason is written in the business unit's language.
    assert "120万" in (account.hold_reason or "") and "200" not in (account.hold_reason or "")


def test_one_failing_account_does_not_stop_the_others(domain: Domain, clock: FrozenClock,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import credit_domain.monitoring.overdue as overdue

    org = make_org(domain)
    a = add_account(domain, org, "甲公司")
    b = add_account(domain, org, "乙公司")
    add_invoice(domain, a, 1_000, due=DAY0 - dt.timedelta(days=1))
    add_invoice(domain, b, 1_000, due=DAY0 - dt.timedelta(days=1))
    real = overdue._alert_overdue

    def flaky(ctx, uow, unit, inv, today):  # type: ignore[no-untyped-def]
        if inv.account_id == a:
            raise RuntimeError("bad data")
        return real(ctx, uow, unit, inv, today)

    monkeypatch.setattr(overdue, "_alert_overdue", flaky)
    report = run(domain, "overdue-scan")
    assert report.status == "partial" and f"account {a}" in report.errors[0]
    assert {m.payload["account_id"] for m in sent(domain)} == {b}
    with domain.read() as s:
        job_run = s.scalars(select(JobRun)).one()
    assert job_run.status == "partial" and "bad data" in (job_run.error or "")

    monkeypatch.setattr(overdue, "_alert_overdue", real)
    clock.advance(hours=1)
    run(domain, "overdue-scan")  # the next run picks the failed account up
    assert {m.payload["account_id"] for m in sent(domain)} == {a, b}


def test_dry_run_reports_everything_and_changes_nothing(domain: Domain,
                                                       clock: FrozenClock) -> None:
    org = make_org(domain)
    late = add_account(domain, org, "迟付公司")
    add_invoice(domain, late, 30_000, due=DAY0 - dt.timedelta(days=70))
    add_invoice(domain, late, 10_000, due=DAY0 - dt.timedelta(days=2))
    report = run(domain, "overdue-scan", dry_run=True)
    kinds = sorted(m.kind for m in report.messages)
    assert kinds == ["alert.credit_hold"] * 5 + ["alert.invoice_overdue"] * 4  # 2 + the 70-day
    # the hold, and the rescoring the overdue invoices cause (rolled back with the rest)
    assert sorted(c.action for c in report.changes) == ["hold.placed", "score.changed"]
    assert sent(domain) == []
    with domain.read() as s:
        assert s.get_one(CreditAccount, late).status == AccountStatus.ACTIVE
        assert s.scalars(select(JobRun)).all() == []
    assert len(run(domain, "overdue-scan").changes) == 0  # a real run then does it all
    assert len(sent(domain)) == len(report.messages)  # what the dry run said it would send
