"""The brief's example rules ship as the default policy and act end to end: a high-risk
application is rejected and the salesperson told why; a large order alerts finance; three
on-time payments suggest an upgrade; an overdue invoice holds new orders and shipments."""

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.errors import Conflict, CreditRefused
from credit_domain.events import ApplicationSubmitted, BureauSignalRaised, InvoiceOverdue
from credit_domain.i18n import Text
from credit_domain.orders.lifecycle import ship_order
from credit_domain.orgs.models import Person
from credit_domain.outbox.models import OutboxMessage
from credit_domain.rules.models import RuleFiring
from credit_domain.workflow_hooks import DECIDE_APPLICATION, OPEN_APPLICATION
from tests.credit_domain.test_order_check import check, lifecycle
from tests.integration_world import TODAY, Shop, make_shop, push


def publish(domain: Domain, event: Any) -> None:
    with domain.uow() as uow:
        uow.publish(event)
        uow.commit()


def messages(domain: Domain) -> list[tuple[int | None, str, str]]:
    """(person, rule, first line rendered in the recipient's language)."""
    with domain.read() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "rule.notification")
                         .order_by(OutboxMessage.id)).all()
        out = []
        for m in rows:
            person = s.get(Person, m.person_id) if m.person_id else None
            locale = (person.locale if person else None) or "zh_CN"
            out.append((m.person_id, m.payload["rule"],
                        Text.from_json(m.payload["lines"][0]).render(locale)))
        return out


def firings(domain: Domain) -> list[tuple[str, list[tuple[str, str]]]]:
    with domain.read() as s:
        return [(f.rule, [(o["action"], o["status"]) for o in f.outcomes])
                for f in s.scalars(select(RuleFiring).order_by(RuleFiring.id))]


def account(domain: Domain, shop: Shop) -> CreditAccount:
    with domain.read() as s:
        acc = s.get(CreditAccount, shop.account_id)
        assert acc is not None
        return acc


def test_an_order_above_90_percent_of_available_alerts_finance(domain: Domain) -> None:
    shop = make_shop(domain, limit="100000")
    check(domain, shop.bu_id, "SO-1", "80000")  # 80% of 100,000: quiet
    check(domain, shop.bu_id, "SO-2", "19000")  # 95% of the 20,000 left: finance hears
    assert messages(domain) == [(shop.finance_id, "order-above-90pct-of-available",
                                 "华东机电有限公司: Order SO-2 for ¥19,000.00 is above 90% of "
                                 "the available limit (¥20,000.00) before it.")]
    assert firings(domain) == [("order-above-90pct-of-available", [("notify", "done")])]
    with domain.read() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "rule.fired")).one()
    assert audit.actor_label == "system:rule:order-above-90pct-of-available"


def test_three_on_time_payments_suggest_an_upgrade_once(domain: Domain) -> None:
    shop = make_shop(domain, grade="BBB")
    for n in range(1, 6):
        push(domain, shop.bu_id, "invoice", external_id=f"I-{n}", amount="1000",
             issue_date="2026-01-01", due_date=f"2026-02-{10 + n}")
    push(domain, shop.bu_id, "payment", external_id="P-1", amount="1000", received_on="2026-02-20")
    for n in range(2, 5):  # on time from here: P-2, P-3, P-4 make three in a row
        push(domain, shop.bu_id, "payment", external_id=f"P-{n}", amount="1000",
             received_on=f"2026-02-{10 + n}")
    assert firings(domain) == [("three-on-time-payments-upgrade",
                                [("open_application", "not_available"), ("notify", "done")])]
    assert messages(domain)[0][0] == shop.sales_id
    assert messages(domain)[0][2] == ("华东机电有限公司：客户已连续 3 笔按时回款，"
                                      "系统建议上调信用等级（当前 BBB）。")
    push(domain, shop.bu_id, "payment", external_id="P-5", amount="1000",
         received_on="2026-02-15")  # a fourth: the cooldown keeps it quiet
    assert len(firings(domain)) == 1


def test_the_upgrade_suggestion_reaches_the_workflow_when_connected(domain: Domain) -> None:
    shop = make_shop(domain, grade="BBB")
    opened: list[dict[str, Any]] = []
    domain.ports[OPEN_APPLICATION] = lambda uow, **kw: opened.append(kw) or "APP-7"
    for n in range(1, 4):
        push(domain, shop.bu_id, "invoice", external_id=f"I-{n}", amount="100",
             issue_date="2026-01-01", due_date="2026-02-28")
        push(domain, shop.bu_id, "payment", external_id=f"P-{n}", amount="100",
             received_on=f"2026-02-0{n}")
    assert [(o["kind"], o["grade"], o["requester_id"], o["source"]) for o in opened] == [
        ("grade", "A", shop.sales_id, "rule:three-on-time-payments-upgrade")]
    assert firings(domain)[0][1][0] == ("open_application", "done")


def test_an_overdue_invoice_holds_new_orders_and_shipments(domain: Domain) -> None:
    shop = make_shop(domain, limit="100000")
    check(domain, shop.bu_id, "SO-1", "1000")
    inv = push(domain, shop.bu_id, "invoice", external_id="I-1", amount="5000",
               issue_date="2026-01-01", due_date="2026-02-27")
    publish(domain, InvoiceOverdue(shop.bu_id, shop.account_id, inv.id, 3, Decimal("5000.00")))
    acc = account(domain, shop)
    assert acc.status == AccountStatus.ON_HOLD and "逾期 3 天" in (acc.hold_reason or "")
    answer = check(domain, shop.bu_id, "SO-2", "1000")
    assert not answer.passed and [r.code for r in answer.reasons] == ["on_hold"]
    with pytest.raises(CreditRefused):
        lifecycle(domain, shop.bu_id, ship_order, "SO-1", delivery_external_id="D-1",
                  amount=None, shipped_on=TODAY)
    people = {m[0] for m in messages(domain)}
    assert people == {shop.sales_id, shop.finance_id}
    publish(domain, InvoiceOverdue(shop.bu_id, shop.account_id, inv.id, 4, Decimal("5000.00")))
    assert firings(domain)[-1] == ("overdue-invoice-hold",
                                   [("place_hold", "unchanged"), ("notify", "done")])


def test_a_high_risk_application_is_rejected_and_the_salesperson_told(domain: Domain) -> None:
    shop = make_shop(domain)
    with domain.uow() as uow:
        uow.session.get(CreditAccount, shop.account_id).score = 42.0  # type: ignore[union-attr]
        uow.commit()
    event = ApplicationSubmitted(shop.bu_id, 77, shop.account_id, "increase",
                                 Decimal("200000.00"), shop.sales_id)
    publish(domain, event)  # workflow not connected: recorded as not available
    assert firings(domain) == [("high-risk-auto-reject", [("reject_application", "not_available"),
                                                          ("notify", "done")])]
    decided: list[dict[str, Any]] = []
    domain.ports[DECIDE_APPLICATION] = lambda uow, **kw: decided.append(kw)
    publish(domain, event)
    assert decided == [{"application_id": 77, "outcome": "rejected",
                        "reason": "信用评分 42.00 属于高风险（低于 50 分），授信申请自动驳回",
                        "source": "rule:high-risk-auto-reject"}]
    told = [m for m in messages(domain) if m[0] == shop.sales_id]
    assert told and "信用评分 42.00 属于高风险" in told[0][2]


def test_a_failing_hook_is_recorded_and_the_rest_goes_on(domain: Domain) -> None:
    shop = make_shop(domain)
    with domain.uow() as uow:
        uow.session.get(CreditAccount, shop.account_id).score = 30.0  # type: ignore[union-attr]
        uow.commit()

    def refuse(uow: Any, **kw: Any) -> None:
        uow.audit("half.done", "x", 1, business_unit_id=None)
        raise Conflict(Text("Application {id} was already decided.", params={"id": 1}))

    domain.ports[DECIDE_APPLICATION] = refuse
    publish(domain, ApplicationSubmitted(shop.bu_id, 1, shop.account_id, "increase",
                                         Decimal("1.00"), shop.sales_id))
    assert firings(domain) == [("high-risk-auto-reject", [("reject_application", "failed"),
                                                          ("notify", "done")])]
    with domain.read() as s:
        assert not s.scalars(select(AuditEvent).where(AuditEvent.action == "half.done")).all()


def test_a_bureau_signal_lowers_the_grade(domain: Domain) -> None:
    shop = make_shop(domain, grade="A")
    publish(domain, BureauSignalRaised(shop.bu_id, shop.account_id, shop.customer_id,
                                       "dishonest_debtor", {"case": "(2026)沪01执123号"}))
    publish(domain, BureauSignalRaised(shop.bu_id, shop.account_id, shop.customer_id,
                                       "new_trademark", {}))
    assert account(domain, shop).grade == "BBB"
    with domain.read() as s:
        audit = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "account.grade_changed")).one()
    assert '"grade":"A"' in (audit.before or "")
    assert audit.reason == "征信负面信号：dishonest_debtor"
