"""The brief's example rules ship as the default policy and act end to end: a high-risk
application is rejected and the salesperson told why; a large order alerts finance; three
on-time payments suggest a higher limit (the grade itself is the scorecard's); an overdue
invoice holds new orders and shipments until it is paid; a negative bureau signal alerts
risk, a severe one holds."""

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from credit_domain.access import Actor, load_actor
from credit_domain.accounts.holds import place_hold
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.applications import Application, ApplicationRequest, submit
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.errors import Conflict, CreditRefused
from credit_domain.events import ApplicationSubmitted, BureauSignalRaised, InvoiceOverdue
from credit_domain.i18n import Text
from credit_domain.orders.lifecycle import ship_order
from credit_domain.orgs.models import Person, Role, RoleAssignment
from credit_domain.outbox.models import OutboxMessage
from credit_domain.rules.models import RuleFiring
from credit_domain.scoring.services import latest_score
from credit_domain.unit_of_work import UnitOfWork
from credit_domain.workflow_hooks import DECIDE_APPLICATION, OPEN_APPLICATION
from tests.credit_domain.test_order_check import check, lifecycle
from tests.integration_world import TODAY, Shop, make_shop, money, push


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


def applications(domain: Domain) -> list[Application]:
    with domain.read() as s:
        return list(s.scalars(select(Application).order_by(Application.id)))


def outbox(domain: Domain, kind: str) -> list[OutboxMessage]:
    with domain.read() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id)))


def person_with(domain: Domain, bu_id: int, role: Role) -> int:
    with domain.read() as s:
        return int(s.scalars(select(RoleAssignment.person_id).where(
            RoleAssignment.business_unit_id == bu_id, RoleAssignment.role == role)).one())


def test_three_on_time_payments_suggest_a_limit_increase_once(domain: Domain) -> None:
    """The brief's "suggest an upgrade": the grade is the scorecard's (rescored on every
    payment), so the rule suggests the credit that goes with it, as a draft for the owner."""
    shop = make_shop(domain, grade="BBB")
    for n in range(1, 6):
        push(domain, shop.bu_id, "invoice", external_id=f"I-{n}", amount="1000",
             issue_date="2026-01-01", due_date=f"2026-02-{10 + n}")
    push(domain, shop.bu_id, "payment", external_id="P-1", amount="1000", received_on="2026-02-20")
    for n in range(2, 4):  # on time from here: P-2, P-3 ...
        push(domain, shop.bu_id, "payment", external_id=f"P-{n}", amount="1000",
             received_on=f"2026-02-{10 + n}")
    assert firings(domain) == [] and applications(domain) == []
    push(domain, shop.bu_id, "payment", external_id="P-4", amount="1000",
         received_on="2026-02-14")  # ... and P-4 make three in a row
    assert firings(domain) == [("three-on-time-payments-upgrade", [("open_application", "done")])]
    [app] = applications(domain)
    # The scorecard suggests far less on ¥5,000 of sales a year: 20% above the limit it is.
    assert (app.kind, app.status, app.requested_amount) == ("increase", "draft", money(120000))
    assert (app.requester_id, app.origin) == (None, "rule:three-on-time-payments-upgrade")
    assert "连续 3 笔按时回款" in app.reason
    [told] = outbox(domain, "application.suggested")
    assert told.person_id == shop.sales_id and told.payload["actions"] == ["submit", "withdraw"]
    push(domain, shop.bu_id, "payment", external_id="P-5", amount="1000",
         received_on="2026-02-15")  # a fourth: the cooldown keeps it quiet
    assert len(firings(domain)) == 1 and len(applications(domain)) == 1
    with domain.read() as s:
        account, score = s.get(CreditAccount, shop.account_id), latest_score(s, shop.account_id)
        assert account is not None and score is not None
        assert account.grade == score.grade


def test_the_suggestion_asks_for_the_scorecards_limit_when_it_is_higher(domain: Domain) -> None:
    shop = make_shop(domain, grade="BBB", limit="50000")
    for n in range(1, 4):
        push(domain, shop.bu_id, "invoice", external_id=f"I-{n}", amount="400000",
             issue_date=f"2025-{5 + n:02d}-01", due_date=f"2025-{6 + n:02d}-01")
        push(domain, shop.bu_id, "payment", external_id=f"P-{n}", amount="400000",
             received_on=f"2025-{6 + n:02d}-01")
    [app] = applications(domain)
    with domain.read() as s:
        suggested = latest_score(s, shop.account_id).suggested_limit  # type: ignore[union-attr]
    assert suggested is not None and suggested > money(50000)
    assert (app.kind, app.status, app.requested_amount) == ("increase", "draft", suggested)


def test_the_suggestion_reaches_the_workflow_port(domain: Domain) -> None:
    shop = make_shop(domain, grade="BBB")
    opened: list[dict[str, Any]] = []

    def open_application(uow: UnitOfWork, **kw: Any) -> str:
        opened.append(kw)
        return "APP-7"

    domain.ports[OPEN_APPLICATION] = open_application
    for n in range(1, 4):
        push(domain, shop.bu_id, "invoice", external_id=f"I-{n}", amount="100",
             issue_date="2026-01-01", due_date="2026-02-28")
        push(domain, shop.bu_id, "payment", external_id=f"P-{n}", amount="100",
             received_on=f"2026-02-0{n}")
    assert [(o["kind"], o["amount"], o["grade"], o["requester_id"], o["source"])
            for o in opened] == [("increase", money(120000), None, shop.sales_id,
                                  "rule:three-on-time-payments-upgrade")]
    assert firings(domain)[0][1] == [("open_application", "done")]


def test_an_overdue_invoice_holds_new_orders_and_shipments(domain: Domain) -> None:
    shop = make_shop(domain, limit="100000")
    check(domain, shop.bu_id, "SO-1", "1000")
    inv = push(domain, shop.bu_id, "invoice", external_id="I-1", amount="5000",
               issue_date="2026-01-01", due_date="2026-02-27")
    publish(domain, InvoiceOverdue(shop.bu_id, shop.account_id, inv.id, 3, Decimal("5000.00")))
    acc = account(domain, shop)
    assert acc.status == AccountStatus.ON_HOLD and "逾期 3 天" in (acc.hold_reason or "")
    assert acc.hold_cause == "overdue"
    answer = check(domain, shop.bu_id, "SO-2", "1000")
    assert not answer.passed and [r.code for r in answer.reasons] == ["on_hold"]
    with pytest.raises(CreditRefused):
        lifecycle(domain, shop.bu_id, ship_order, "SO-1", delivery_external_id="D-1",
                  amount=None, shipped_on=TODAY)
    # The hold's alert (alerts.yaml) tells the salesperson, their manager, finance and the
    # credit admin, with the rule's reason.
    alerts = outbox(domain, "alert.credit_hold")
    assert {m.person_id for m in alerts} >= {shop.sales_id, shop.manager_id, shop.finance_id,
                                             shop.admin_id}
    assert "逾期 3 天" in alerts[0].payload["lines"][0]["params"]["reason"]
    publish(domain, InvoiceOverdue(shop.bu_id, shop.account_id, inv.id, 4, Decimal("5000.00")))
    assert firings(domain)[-1] == ("overdue-invoice-hold", [("place_hold", "unchanged")])


def test_an_overdue_hold_is_released_once_the_overdue_is_paid(any_domain: Domain) -> None:
    domain = any_domain
    shop = make_shop(domain, limit="100000")
    for n, amount in ((1, "5000"), (2, "3000")):
        inv = push(domain, shop.bu_id, "invoice", external_id=f"I-{n}", amount=amount,
                   issue_date="2026-01-01", due_date="2026-02-20")
        publish(domain, InvoiceOverdue(shop.bu_id, shop.account_id, inv.id, 10, money(amount)))
    assert account(domain, shop).on_hold
    push(domain, shop.bu_id, "payment", external_id="P-1", amount="5000",
         received_on="2026-03-02")  # I-1 paid; I-2 still overdue: the hold stays
    assert account(domain, shop).on_hold
    push(domain, shop.bu_id, "payment", external_id="P-2", amount="3000",
         received_on="2026-03-02")
    acc = account(domain, shop)
    assert (acc.status, acc.hold_reason, acc.hold_cause) == (AccountStatus.ACTIVE, None, None)
    assert firings(domain)[-1] == ("overdue-paid-release", [("release_hold", "done")])
    with domain.read() as s:
        released = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "hold.released")).one()
    assert released.actor_label == "system:rule:overdue-paid-release"
    assert "逾期账款已全部结清" in (released.reason or "")
    assert '"hold_cause":"overdue"' in (released.before or "")
    assert {m.person_id for m in outbox(domain, "alert.credit_hold_released")} >= {
        shop.sales_id, shop.finance_id}
    push(domain, shop.bu_id, "payment", external_id="P-3", amount="10",
         received_on="2026-03-02")  # nothing on hold: the rule stays quiet
    assert firings(domain)[-1][0] == "overdue-paid-release"
    assert len([f for f in firings(domain) if f[0] == "overdue-paid-release"]) == 1


def test_a_hold_of_another_cause_waits_for_a_person(domain: Domain) -> None:
    shop = make_shop(domain, limit="100000")
    with domain.uow() as uow:
        place_hold(uow, shop.account_id, "法院冻结", Actor.system("test"), cause="manual")
        uow.commit()
    push(domain, shop.bu_id, "invoice", external_id="I-1", amount="100",
         issue_date="2026-01-01", due_date="2026-02-20")
    push(domain, shop.bu_id, "payment", external_id="P-1", amount="100",
         received_on="2026-03-02")
    acc = account(domain, shop)
    assert acc.on_hold and acc.hold_cause == "manual"
    assert [f for f in firings(domain) if f[0] == "overdue-paid-release"] == []


def test_a_high_risk_application_is_rejected_and_the_salesperson_told(
        any_domain: Domain) -> None:
    domain = any_domain
    shop = make_shop(domain)
    with domain.uow() as uow:
        uow.session.get(CreditAccount, shop.account_id).score = 42.0  # type: ignore[union-attr]
        uow.commit()
    with domain.read() as s:
        seller = load_actor(s, shop.sales_id)
    with domain.uow(seller) as uow:
        app = submit(uow, domain.policies, seller, ApplicationRequest(
            shop.account_id, "increase", Decimal("200000"), "旺季备货"))
        uow.commit()
    [decided] = applications(domain)
    assert decided.status == "rejected" and decided.decided_by_id is None
    assert firings(domain) == [("high-risk-auto-reject", [("reject_application", "done")])]
    rejected = outbox(domain, "application.rejected")
    assert sorted(m.person_id or 0 for m in rejected) == [shop.sales_id, shop.admin_id]  # + CC
    [told] = [m for m in rejected if m.person_id == shop.sales_id]
    title = Text.from_json(told.payload["title"]).render("zh_CN")
    why = Text.from_json(told.payload["lines"][0]).render("zh_CN")
    assert app.number in title and "high-risk-auto-reject" in title
    assert why == "原因：信用评分 42.00 属于高风险（低于 50 分），授信申请自动驳回"
    # The approvers were never asked: the request was rejected in the submitting transaction.
    assert outbox(domain, "application.pending_approval") == []
    with domain.read() as s:
        audit = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "application.rejected")).one()
    assert audit.actor_label == "system:rule:high-risk-auto-reject"


def test_without_the_workflow_a_decision_is_recorded_as_not_available(domain: Domain) -> None:
    shop = make_shop(domain)
    with domain.uow() as uow:
        uow.session.get(CreditAccount, shop.account_id).score = 42.0  # type: ignore[union-attr]
        uow.commit()
    domain.ports.pop(DECIDE_APPLICATION)
    event = ApplicationSubmitted(shop.bu_id, 77, shop.account_id, "increase",
                                 Decimal("200000.00"), shop.sales_id)
    publish(domain, event)
    assert firings(domain) == [("high-risk-auto-reject",
                                [("reject_application", "not_available")])]
    decided: list[dict[str, Any]] = []
    domain.ports[DECIDE_APPLICATION] = lambda uow, **kw: decided.append(kw)
    publish(domain, event)
    assert decided == [{"application_id": 77, "outcome": "rejected",
                        "reason": "信用评分 42.00 属于高风险（低于 50 分），授信申请自动驳回",
                        "source": "rule:high-risk-auto-reject"}]


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
    assert firings(domain) == [("high-risk-auto-reject", [("reject_application", "failed")])]
    with domain.read() as s:
        assert not s.scalars(select(AuditEvent).where(AuditEvent.action == "half.done")).all()


def test_a_negative_bureau_signal_alerts_risk_and_a_severe_one_holds(domain: Domain) -> None:
    """The grade is left to the scorecard (rescored on the signal, capped by its bureau
    data); the rules alert the risk director and hold on severe signals."""
    shop = make_shop(domain, grade="A")
    risk = person_with(domain, shop.bu_id, Role.RISK_DIRECTOR)
    publish(domain, BureauSignalRaised(shop.bu_id, shop.account_id, shop.customer_id,
                                       "new_lawsuit", {"case": "(2026)沪01民初1号"}))
    assert firings(domain) == [("bureau-negative-signal", [("notify", "done")])]
    assert not account(domain, shop).on_hold  # a lawsuit alone holds nothing
    publish(domain, BureauSignalRaised(shop.bu_id, shop.account_id, shop.customer_id,
                                       "dishonest_debtor", {"case": "(2026)沪01执123号"}))
    publish(domain, BureauSignalRaised(shop.bu_id, shop.account_id, shop.customer_id,
                                       "new_trademark", {}))  # not negative: nothing
    assert firings(domain)[1:] == [("bureau-negative-signal", [("notify", "done")]),
                                   ("bureau-severe-signal-hold", [("place_hold", "done")])]
    acc = account(domain, shop)
    assert acc.on_hold and acc.hold_cause == "bureau"
    assert acc.hold_reason == "征信严重负面信号：被列为失信被执行人，待风控复核"
    told = [m for m in messages(domain) if m[0] == risk]
    assert [m[1] for m in told] == ["bureau-negative-signal"] * 2
    assert "失信被执行人" in told[1][2] and f"当前信用等级 {acc.grade}" in told[1][2]
    with domain.read() as s:
        assert s.scalars(select(AuditEvent).where(
            AuditEvent.action == "account.grade_changed")).all() == []  # no rule set a grade
        assert acc.grade == latest_score(s, shop.account_id).grade  # type: ignore[union-attr]
