"""Credit review lists to the credit admin; daily team digests on working days and the weekly
business-unit digest with headline figures and the audit chain head."""

import datetime as dt

from sqlalchemy import func, select, update

from credit_domain.access import Actor
from credit_domain.accounts.models import CreditAccount
from credit_domain.audit.chain import verify_chains
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.i18n import Text
from credit_domain.orgs.holidays import set_days
from credit_domain.orgs.models import BusinessUnit
from credit_domain.unit_of_work import ActorRef
from tests.monitoring.helpers import add_account, add_invoice, make_org, run, sent

ADMIN = Actor.system("cli:admin")

DAY0 = dt.date(2026, 3, 2)


def fields(message: object) -> dict[str, str]:
    payload = message.payload  # type: ignore[attr-defined]
    return {Text.from_json(f["label"]).render("en"):
            Text.from_json(f["value"]).render("en") if isinstance(f["value"], dict)
            else f["value"] for f in payload["fields"]}


def test_review_due_lists_accounts_to_the_credit_admin_once_a_week(
        domain: Domain, clock: FrozenClock) -> None:
    org = make_org(domain)
    ids = [add_account(domain, org, f"客户{i}") for i in range(3)]
    with domain.uow() as uow:
        for i, acc in enumerate(ids):
            uow.session.execute(update(CreditAccount).where(CreditAccount.id == acc).values(
                review_date=DAY0 + dt.timedelta(days=i - 1)))  # -1, 0, +1 days
        uow.commit()
    run(domain, "review-due")
    clock.advance(days=1)
    run(domain, "review-due")  # same week: no second list
    messages = sent(domain, "alert.review_due")
    assert [m.person_id for m in messages] == [org.admin]
    lines = [Text.from_json(t).render("en") for t in messages[0].payload["lines"]]
    assert len(lines) == 1 and lines[0].startswith("客户0: review was due 2026-03-01")
    clock.advance(days=7)
    run(domain, "review-due")
    assert len(sent(domain, "alert.review_due")) == 2  # next week: 3 accounts listed


def test_daily_digest_per_team_on_working_days(any_domain: Domain, clock: FrozenClock) -> None:
    org = make_org(any_domain)
    a = add_account(any_domain, org, "甲公司", limit=100_000)
    add_account(any_domain, org, "乙公司", limit=50_000)
    add_account(any_domain, org, "丙公司", limit=80_000, other_team=True)
    add_invoice(any_domain, a, 95_000, due=DAY0 - dt.timedelta(days=1))
    run(any_domain, "overdue-scan")
    clock.set(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC))  # 17:30 in Shanghai
    run(any_domain, "daily-digest")
    digests = sent(any_domain, "alert.daily_digest")
    assert {m.person_id for m in digests} == {org.manager, org.other_manager}
    mine = next(m for m in digests if m.person_id == org.manager)
    assert fields(mine) == {
        "Accounts": "2 (0 on hold)", "Effective limit": "¥150,000.00",
        "Exposure": "¥95,000.00 (63.3% of the limit)",
        "Overdue": "¥95,000.00 (100.0% of receivables)", "At 90% of the limit or more": "1",
        "New overdue invoices today": "1"}
    assert Text.from_json(mine.payload["lines"][0]).render("en") == (
        "Largest overdue: 甲公司, ¥95,000.00")
    assert mine.next_attempt_at == clock.now()  # 17:30 is still working time: at once

    clock.set(dt.datetime(2026, 3, 7, 9, 30, tzinfo=dt.UTC))  # Saturday
    report = run(any_domain, "daily-digest")
    assert "not a working day" in report.notes[0]
    assert len(sent(any_domain, "alert.daily_digest")) == 2


def test_weekly_digest_carries_the_audit_chain_head(any_domain: Domain,
                                                    clock: FrozenClock) -> None:
    org = make_org(any_domain)
    a = add_account(any_domain, org, "甲公司", limit=100_000)
    add_invoice(any_domain, a, 40_000, due=DAY0 - dt.timedelta(days=100))
    run(any_domain, "overdue-scan")  # places a hold: one audit event in the unit's chain
    with any_domain.uow(ActorRef.system("test")) as uow:
        uow.audit("limit.changed", "credit_account", a, business_unit_id=org.bu)
        uow.commit()
    run(any_domain, "weekly-digest")
    digests = sent(any_domain, "alert.weekly_digest")
    assert {m.person_id for m in digests if m.person_id} == {org.finance}
    assert {m.channel for m in digests if m.channel} == {"credit-weekly"}
    f = fields(digests[0])
    assert f["Accounts"] == "1 (1 on hold)" and f["Overdue more than 90 days"] == "¥40,000.00"
    # the 100-day-old invoice was first seen (and reported) this week
    assert f["This week"].startswith("1 new overdue invoices, 1 holds")
    with any_domain.read() as s:
        head = verify_chains(s).heads[f"bu:{org.bu}"]
        events = s.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.chain == f"bu:{org.bu}"))
    chain_line = Text.from_json(digests[0].payload["lines"][-1]).render("en")
    assert chain_line == f"Audit chain verified: {events} events, head {head[:16]}"


def test_the_credit_admin_is_reminded_weekly_to_enter_next_years_holidays(
        any_domain: Domain, clock: FrozenClock) -> None:
    domain = any_domain
    org = make_org(domain)
    clock.set(dt.datetime(2026, 10, 26, 1, tzinfo=dt.UTC))  # October: nothing to ask yet
    run(domain, "review-due")
    assert sent(domain, "alert.holidays_missing") == []

    clock.set(dt.datetime(2026, 11, 30, 1, tzinfo=dt.UTC))  # Monday 09:00 in Shanghai
    run(domain, "review-due")
    clock.advance(days=1)
    run(domain, "review-due")  # the same week: once
    [asked] = sent(domain, "alert.holidays_missing")
    assert asked.person_id == org.admin and asked.payload["severity"] == "info"
    assert Text.from_json(asked.payload["title"]).render("zh_CN") == "2027年的法定节假日尚未录入"

    clock.advance(days=6)
    run(domain, "review-due")
    assert len(sent(domain, "alert.holidays_missing")) == 2  # every week until entered
    with domain.uow(ADMIN) as uow:
        set_days(uow, ADMIN, "CN", dt.date(2027, 2, 6), dt.date(2027, 2, 13), working=False,
                 name="春节")
        uow.commit()
    clock.advance(days=7)
    run(domain, "review-due")
    assert len(sent(domain, "alert.holidays_missing")) == 2


def test_in_january_a_missing_schedule_is_a_warning_and_weekdays_units_are_never_asked(
        domain: Domain, clock: FrozenClock) -> None:
    org = make_org(domain)
    clock.set(dt.datetime(2027, 1, 4, 1, tzinfo=dt.UTC))
    run(domain, "review-due")
    [asked] = sent(domain, "alert.holidays_missing")
    assert asked.person_id == org.admin and asked.payload["severity"] == "warning"
    with domain.uow() as uow:
        uow.session.execute(update(BusinessUnit).values(calendar="weekdays"))
        uow.commit()
    clock.advance(days=7)
    run(domain, "review-due")
    assert len(sent(domain, "alert.holidays_missing")) == 1
