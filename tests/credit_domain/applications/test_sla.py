"""SLAs count business hours of the unit's calendar: across a weekend, across the Spring
Festival holiday, and on its make-up Saturday (调休). Reminders and escalations happen once."""

import datetime as dt

from credit_domain.access import Actor
from credit_domain.applications import (
    approve,
    escalate,
    run_sla_checks,
    send_reminder,
    sla_status,
    timeline,
)
from credit_domain.applications.models import ApprovalStep
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.orgs.holidays import set_days
from tests.credit_domain.applications.builders import (
    act,
    build_org,
    install_policy,
    outbox,
    pending,
    recipients,
    shanghai,
    submit_as,
)

ADMIN = Actor.system("cli:admin")


def due(domain: Domain, app_id: int, position: int) -> tuple[object, object]:
    with domain.read() as s:
        step = s.query(ApprovalStep).filter_by(application_id=app_id, position=position).one()
        return step.remind_at, step.due_at


def run(domain: Domain, service: object, step_id: int) -> bool:
    with domain.uow() as uow:
        done = service(uow, step_id)  # type: ignore[operator]
        uow.commit()
        return bool(done)


def test_sla_across_a_weekend(domain: Domain, clock: FrozenClock) -> None:
    org = build_org(domain)
    clock.set(shanghai(2026, 3, 6, 16))  # a Friday
    app = submit_as(org, amount=150_000)
    assert due(domain, app.id, 1) == (shanghai(2026, 3, 9, 11), shanghai(2026, 3, 9, 15))


def test_sla_skips_a_day_off_an_administrator_entered(any_domain: Domain,
                                                      clock: FrozenClock) -> None:
    org = build_org(any_domain)
    with any_domain.uow() as uow:  # the company closes on Monday 9 March 2026
        set_days(uow, ADMIN, "CN", dt.date(2026, 3, 9), dt.date(2026, 3, 9), working=False,
                 name="公司年会")
        uow.commit()
    clock.set(shanghai(2026, 3, 6, 16))  # a Friday
    app = submit_as(org, amount=150_000)
    assert due(any_domain, app.id, 1) == (shanghai(2026, 3, 10, 11), shanghai(2026, 3, 10, 15))


def test_sla_on_a_make_up_saturday_and_across_the_spring_festival(
        any_domain: Domain, clock: FrozenClock) -> None:
    domain = any_domain
    org = build_org(domain)
    clock.set(shanghai(2026, 2, 13, 16))  # Friday; Saturday 14 Feb 2026 is a make-up workday
    app = submit_as(org, amount=150_000)
    remind_at, due_at = due(domain, app.id, 1)
    assert (remind_at, due_at) == (shanghai(2026, 2, 14, 11), shanghai(2026, 2, 14, 15))

    clock.set(shanghai(2026, 2, 13, 17, 59))
    with domain.read() as s:
        assert sla_status(s, clock.now()) == []

    clock.set(shanghai(2026, 2, 14, 11))
    with domain.read() as s:
        [item] = sla_status(s, clock.now())
    assert item.state == "reminder_due" and item.pending_person_ids == (org.ids["manager"],)
    assert run(domain, send_reminder, item.step_id) is True
    assert run(domain, send_reminder, item.step_id) is False  # once
    assert recipients(org, "application.reminder") == ["李强"]
    with domain.read() as s:
        assert sla_status(s, clock.now()) == []

    clock.set(shanghai(2026, 2, 14, 15))
    with domain.read() as s:
        [item] = sla_status(s, clock.now())
    assert item.state == "breached" and item.escalate_to_role == "region_director"
    assert item.escalate_to_person_ids == (org.ids["director"],)
    assert run(domain, escalate, item.step_id) is True
    assert run(domain, escalate, item.step_id) is False  # once
    assert pending(org, app.id) == [("李强", 1), ("周杰", 1)]
    assert recipients(org, "application.escalated") == ["李强", "王芳"]
    assert outbox(org, "application.pending_approval")[-1].payload["via"] == "escalation"
    with domain.read() as s:
        t = timeline(s, org.actor("seller"), app.id, clock.now())
    assert [(p.person, p.overdue) for p in t.pending] == [("李强", True), ("周杰", True)]

    # The region director decides in place of the late manager, on the make-up Saturday;
    # the finance step then runs over the Spring Festival (15–23 Feb) to Tuesday 24 Feb.
    clock.set(shanghai(2026, 2, 14, 16))
    act(org, "director", approve, app.id)
    assert pending(org, app.id) == [("张伟", 2), ("黄磊", 2)]
    assert recipients(org, "application.no_longer_pending") == ["李强"]
    assert due(domain, app.id, 2) == (shanghai(2026, 2, 24, 11), shanghai(2026, 2, 24, 15))

    clock.set(shanghai(2026, 2, 24, 11))
    assert run_sla_checks(domain).reminded == 1
    clock.set(shanghai(2026, 2, 24, 15))
    report = run_sla_checks(domain)
    assert (report.reminded, report.escalated, report.failed) == (0, 1, [])
    assert pending(org, app.id)[-1] == ("赵敏", 2)  # the general manager (default)
    assert run_sla_checks(domain).escalated == 0


def test_a_sequential_step_restarts_the_clock_for_each_approver(
        domain: Domain, clock: FrozenClock) -> None:
    org = build_org(domain)
    install_policy(org, """
routes:
  - name: chain
    steps:
      - role: finance_manager
        kind: sequential
        sla_hours: 2
""")
    clock.set(shanghai(2026, 3, 2, 9))
    app = submit_as(org, amount=150_000)
    assert due(domain, app.id, 1)[1] == shanghai(2026, 3, 2, 11)
    clock.set(shanghai(2026, 3, 2, 17))
    act(org, "finance", approve, app.id)
    assert due(domain, app.id, 1)[1] == shanghai(2026, 3, 3, 10)  # 1 h today, 1 h tomorrow
