"""Lists people ask for (mine, pending my decision, by customer) and the timeline of one
application, each limited to what the reader may see."""

import datetime as dt

import pytest

from credit_domain.applications import (
    approve,
    for_customer,
    list_applications,
    my_applications,
    pending_for,
    require_application,
    timeline,
)
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.errors import Forbidden, NotFound
from tests.credit_domain.applications.builders import act, build_org, shanghai, submit_as


def test_lists_of_mine_pending_and_by_customer(domain: Domain, clock: FrozenClock) -> None:
    org = build_org(domain)
    first = submit_as(org, amount=150_000)
    clock.advance(hours=1)
    second = submit_as(org, kind="temporary", amount=20_000, valid_from=dt.date(2026, 3, 2),
                       valid_to=dt.date(2026, 3, 20))
    with domain.read() as s:
        mine = my_applications(s, org.actor("seller"))
        waiting = pending_for(s, org.ids["manager"])
        by_customer = for_customer(s, org.actor("finance"), org.account_id)
        others = list_applications(s, org.actor("seller2"))
        finance_queue = pending_for(s, org.ids["finance"])
    assert [a.number for a in mine] == [second.number, first.number]
    assert mine[0].customer == "华为技术有限公司" and mine[0].pending_with == ("李强",)
    assert [p.application.number for p in waiting] == [first.number, second.number]
    assert waiting[0].since == shanghai(2026, 3, 2, 9)
    assert waiting[0].step.render("zh_CN") == "销售经理"
    assert {a.number for a in by_customer} == {first.number, second.number}
    assert others == [] and finance_queue == []


def test_timeline_says_who_did_what_and_who_is_pending_since_when(
        domain: Domain, clock: FrozenClock) -> None:
    org = build_org(domain)
    app = submit_as(org, amount=300_000)
    clock.advance(hours=2)
    act(org, "manager", approve, app.id, comment="同意")
    with domain.read() as s:
        t = timeline(s, org.actor("seller"), app.number.lower(), clock.now())
    assert [(e.action, e.actor, e.note) for e in t.entries] == [
        ("submitted", "王芳", "旺季备货，订单增加"), ("approved", "李强", "同意")]
    assert t.entries[1].step is not None and t.entries[1].step.render("en") == "sales manager"
    assert [(p.person, p.since, p.overdue) for p in t.pending] == [
        ("张伟", shanghai(2026, 3, 2, 11), False), ("黄磊", shanghai(2026, 3, 2, 11), False)]
    assert t.pending[0].due_at == shanghai(2026, 3, 3, 10)
    assert [(pos, step.render("en"), people) for pos, step, people in t.upcoming] == [
        (3, "risk director", ("刘洋",))]


def test_who_may_see_an_application(domain: Domain) -> None:
    org = build_org(domain)
    app = submit_as(org, amount=150_000)
    with domain.read() as s:
        for login in ("seller", "manager", "finance", "admin", "auditor", "director"):
            assert require_application(s, org.actor(login), app.id).id == app.id
        with pytest.raises(Forbidden):
            require_application(s, org.actor("seller2"), app.id)
        with pytest.raises(NotFound):
            require_application(s, org.actor("seller"), "APP-2026-999999")
