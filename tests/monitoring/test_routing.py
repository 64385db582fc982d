"""Alert routing is policy: alert type × region × severity (× a condition) → people by role
or relation and named channels; quiet hours come from the business unit's calendar."""

import datetime as dt

import pytest

from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.i18n import Text
from credit_domain.monitoring.alerts import Alert, raise_alert
from credit_domain.monitoring.routing import next_working_time
from credit_domain.monitoring.severity import Severity
from credit_domain.orgs.calendar import BusinessCalendar
from credit_domain.policy.store import PolicyInvalid, parse_policy
from credit_domain.unit_of_work import ActorRef
from tests.monitoring.helpers import add_account, dedupe_key, make_org, recipients, sent

POLICY = """
routes:
  - alerts: [utilisation]
    to: {relations: [owner]}
  - alerts: [utilisation]
    severities: [urgent]
    to: {relations: [manager, region_director], channels: [risk]}
  - alerts: ["*"]
    regions: [NORTH]
    to: {roles: [credit_admin]}
  - alerts: [invoice_overdue]
    when: amount >= 100000.0 && days_overdue > 3
    to: {roles: [finance_manager]}
"""


def install(domain: Domain, bu: int, content: str) -> None:
    with domain.uow(ActorRef.system("test")) as uow:
        domain.policies.install(uow, bu, "alerts", content)
        uow.commit()


def alert(bu: int, account: int, type_: str, severity: Severity, key: str,
          **facts: object) -> Alert:
    return Alert(type=type_, key=key, business_unit_id=bu, severity=severity,
                 title=Text("Test {n}", params={"n": key}), account_id=account, facts=facts)


def raise_(domain: Domain, a: Alert) -> bool:
    with domain.uow() as uow:
        new = raise_alert(uow, domain.policies, a).new
        uow.commit()
    return new


def test_routes_add_up_by_relation_role_severity_region_and_condition(
        domain: Domain, clock: FrozenClock) -> None:
    org = make_org(domain)
    install(domain, org.bu, POLICY)
    acc = add_account(domain, org, "甲公司")
    raise_(domain, alert(org.bu, acc, "utilisation", Severity.INFO, "u1"))
    assert recipients(sent(domain)) == {f"person:{org.seller}": 1}

    raise_(domain, alert(org.bu, acc, "utilisation", Severity.URGENT, "u2"))
    urgent = [m for m in sent(domain) if dedupe_key(m).startswith("u2|")]
    assert recipients(urgent) == {f"person:{org.seller}": 1, f"person:{org.manager}": 1,
                                  f"person:{org.director}": 1, "#risk": 1}

    raise_(domain, alert(org.bu, acc, "invoice_overdue", Severity.WARNING, "o1",
                         amount=150_000, days_overdue=2))
    raise_(domain, alert(org.bu, acc, "invoice_overdue", Severity.WARNING, "o2",
                         amount=150_000, days_overdue=5))
    assert [m.dedupe_key for m in sent(domain, "alert.invoice_overdue")] == [
        f"o2|p{org.finance}"]  # EAST account: the NORTH route does not apply

    assert not raise_(domain, alert(org.bu, acc, "utilisation", Severity.URGENT, "u2"))
    assert len(sent(domain)) == 6  # the same key again: nothing


def test_invalid_policies_are_refused_with_their_problems() -> None:
    bad = """
routes:
  - alerts: [no_such_alert]
    to: {channels: ["Bad Channel"], roles: [janitor]}
  - alerts: [utilisation]
    when: customer_name == "x"
    to: {relations: [cousin]}
"""
    with pytest.raises(PolicyInvalid) as err:
        parse_policy("alerts", bad)
    where = {p.location for p in err.value.problems}
    assert {"routes[0].alerts", "routes[0].to.channels", "routes[0].to.roles[0]",
            "routes[1].when", "routes[1].to.relations[0]"} <= where
    with pytest.raises(PolicyInvalid):
        parse_policy("alerts", "routes: []\n")


def test_quiet_hours_follow_the_business_calendar(domain: Domain, clock: FrozenClock) -> None:
    org = make_org(domain)
    acc = add_account(domain, org, "甲公司")
    clock.set(dt.datetime(2026, 9, 30, 12, 0, tzinfo=dt.UTC))  # 20:00 before National Day
    raise_(domain, alert(org.bu, acc, "utilisation", Severity.INFO, "late"))
    raise_(domain, alert(org.bu, acc, "utilisation", Severity.URGENT, "now"))
    by_key = {dedupe_key(m).split("|")[0]: m.next_attempt_at for m in sent(domain)}
    # Golden Week 2026: 1-7 October off, back on Thursday 8 October at 09:00 Shanghai
    assert by_key["late"] == dt.datetime(2026, 10, 8, 1, 0, tzinfo=dt.UTC)
    assert by_key["now"] == clock.now()


@pytest.mark.parametrize(("local", "expected"), [
    ("2026-03-02 10:00", "2026-03-02 10:00"),  # Monday, working time
    ("2026-03-02 07:30", "2026-03-02 09:00"),  # before opening
    ("2026-03-02 18:00", "2026-03-03 09:00"),  # at closing
    ("2026-03-06 19:00", "2026-03-09 09:00"),  # Friday evening → Monday
    ("2026-02-14 10:00", "2026-02-14 10:00"),  # a Saturday, but a make-up workday (调休)
    ("2026-02-15 10:00", "2026-02-24 09:00"),  # Spring Festival: back on 24 February
])
def test_next_working_time(local: str, expected: str) -> None:
    cal = BusinessCalendar("CN")
    instant = dt.datetime.fromisoformat(local).replace(tzinfo=cal.tz)
    got = next_working_time(cal, instant).astimezone(cal.tz)
    assert got.strftime("%Y-%m-%d %H:%M") == expected


def test_a_condition_that_cannot_evaluate_is_refused_on_load() -> None:
    policy = "routes:\n  - alerts: [invoice_overdue]\n    when: {cond}\n" \
             "    to: {{roles: [finance_manager]}}\n"
    parse_policy("alerts", policy.format(cond="amount >= 500000 && days_overdue > 3"))
    with pytest.raises(PolicyInvalid) as err:  # a whole number compared with a decimal
        parse_policy("alerts", policy.format(cond="days_overdue > 3.5"))
    assert err.value.problems[0].line == 3 and "whole numbers" in err.value.problems[0].message
