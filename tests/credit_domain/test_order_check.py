"""The order credit check passes and reserves, or blocks with reasons a credit manager can act
on; the same order sent again gets the same answer; concurrent checks never over-reserve."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select

from credit_domain.access import Actor
from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.holds import place_hold
from credit_domain.applications.models import Application, ApprovalStep
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.errors import Conflict, CreditRefused, NotFound
from credit_domain.events import OrderChecked
from credit_domain.ledger.models import Order, OrderStatus
from credit_domain.ledger.records import OrderRecord
from credit_domain.orders.check import CheckAnswer, check_order
from credit_domain.orders.lifecycle import (
    cancel_order,
    confirm_order,
    invoice_order,
    release_order,
    ship_order,
)
from credit_domain.orgs.models import BusinessUnit, RoleAssignment
from credit_domain.workflow_hooks import OPEN_RELEASE_APPLICATION
from tests.integration_world import TODAY, count, make_shop, money, push


def check(domain: Domain, bu_id: int, order: str, amount: str, **ref: Any) -> CheckAnswer:
    ref = ref or {"customer_external_id": "C1"}
    with domain.uow() as uow:
        bu = uow.session.get(BusinessUnit, bu_id)
        assert bu is not None
        answer = check_order(uow, bu, domain.policies.get(bu_id, "order_check", uow.session),
                             OrderRecord(external_id=order, amount=amount, **ref), domain.ports)
        uow.commit()
    return answer


def lifecycle(domain: Domain, bu_id: int, fn: Any, *args: Any, **kw: Any) -> Any:
    with domain.uow() as uow:
        result = fn(uow, uow.session.get(BusinessUnit, bu_id), *args, **kw)
        uow.commit()
    return result


def test_pass_reserves_and_block_says_why(domain: Domain) -> None:
    shop = make_shop(domain, limit="100000")
    events: list[Any] = []
    domain.subscribers.append(lambda uow, e: events.append(e))
    ok = check(domain, shop.bu_id, "SO-1", "60000", customer_uscc=shop.uscc)
    assert ok.passed and ok.available_before == money(100000) and ok.available_after == money(
        40000)
    blocked = check(domain, shop.bu_id, "SO-2", "50000")
    assert not blocked.passed
    assert [r.code for r in blocked.reasons] == ["over_limit"]
    assert blocked.reasons[0].details["shortfall"] == money(10000)
    assert "10,000.00" in str(blocked.reasons[0].message)
    assert "超出可用额度 ¥1万" in blocked.reasons[0].message.render("zh_CN")
    assert blocked.release_status == "opened"  # the workflow is connected
    assert (blocked.release_reference or "").startswith("APP-")
    domain.ports.pop(OPEN_RELEASE_APPLICATION)  # as when the workflow is not connected
    alone = check(domain, shop.bu_id, "SO-3", "50000")
    assert (alone.release_status, alone.release_reference) == ("not_available", None)
    with domain.read() as s:
        orders = {o.external_id: o for o in s.scalars(select(Order))}
        assert account_exposure(s, shop.account_id, TODAY).open_orders == money(60000)
    assert orders["SO-2"].status == OrderStatus.BLOCKED and orders["SO-2"].open_amount == 50000
    assert "10,000.00" not in (orders["SO-2"].block_reason or "")  # stored in the BU's language
    assert [(e.order_external_id, e.passed, e.reasons) for e in events
            if isinstance(e, OrderChecked)] == [("SO-1", True, ()),
                                                ("SO-2", False, ("over_limit",)),
                                                ("SO-3", False, ("over_limit",))]


def test_resending_returns_the_same_answer_and_reserves_once(domain: Domain) -> None:
    shop = make_shop(domain, limit="10000")
    first = check(domain, shop.bu_id, "SO-1", "6000")
    blocked = check(domain, shop.bu_id, "SO-2", "6000")
    audits = count(domain, AuditEvent)
    again = check(domain, shop.bu_id, "SO-1", "6000")
    again_blocked = check(domain, shop.bu_id, "SO-2", "6000")
    assert again.repeated and again.passed and again.order_id == first.order_id
    assert again.available_before == first.available_before
    assert again_blocked.repeated and not again_blocked.passed
    assert [r.code for r in again_blocked.reasons] == [r.code for r in blocked.reasons]
    assert count(domain, AuditEvent) == audits and count(domain, Order) == 2
    with pytest.raises(Conflict):
        check(domain, shop.bu_id, "SO-1", "7000")


def test_hold_overdue_and_grade_each_block(domain: Domain) -> None:
    shop = make_shop(domain, limit="100000", grade="CC")
    push(domain, shop.bu_id, "invoice", external_id="I-OLD", amount="1000",
         issue_date="2025-12-01", due_date="2026-01-01")  # 60 days overdue on 2 March
    with domain.uow() as uow:
        place_hold(uow, shop.account_id, "逾期 60 天", Actor.system("test"))
        uow.commit()
    answer = check(domain, shop.bu_id, "SO-1", "1000")
    codes = {r.code: r for r in answer.reasons}
    assert set(codes) == {"on_hold", "overdue", "grade_below_minimum"}
    assert "逾期 60 天" in str(codes["on_hold"].message)
    assert codes["overdue"].details == {"overdue_amount": money(1000), "oldest_days": 60,
                                        "tolerance_days": 30}
    assert codes["grade_below_minimum"].details == {"grade": "CC", "minimum": "CCC"}


def test_a_block_opens_a_release_application_when_the_workflow_is_connected(
        domain: Domain) -> None:
    shop = make_shop(domain, limit="1000")
    opened: list[dict[str, Any]] = []

    def open_release(uow: Any, **kw: Any) -> str:
        opened.append(kw)
        return "APP-2026-000042"

    domain.ports[OPEN_RELEASE_APPLICATION] = open_release
    answer = check(domain, shop.bu_id, "SO-9", "5000")
    assert (answer.release_status, answer.release_reference) == ("opened", "APP-2026-000042")
    assert opened[0]["order_id"] == answer.order_id and opened[0]["requester_id"] == shop.sales_id
    assert opened[0]["reasons"] == ["订单超出可用额度 ¥4,000.00（可用额度 ¥1,000.00）。"]
    assert check(domain, shop.bu_id, "SO-9", "5000").release_reference == "APP-2026-000042"
    assert len(opened) == 1


def test_lifecycle_moves_exposure_and_hold_stops_shipments(domain: Domain) -> None:
    shop = make_shop(domain, limit="100000")
    check(domain, shop.bu_id, "SO-1", "10000")
    lifecycle(domain, shop.bu_id, confirm_order, "SO-1")
    lifecycle(domain, shop.bu_id, ship_order, "SO-1", delivery_external_id="D-1",
              amount=Decimal("4000"), shipped_on=TODAY)
    with domain.read() as s:
        e = account_exposure(s, shop.account_id, TODAY)
    assert (e.open_orders, e.uninvoiced_deliveries) == (money(6000), money(4000))
    lifecycle(domain, shop.bu_id, invoice_order, "SO-1", invoice_external_id="I-1", amount=None,
              issue_date=TODAY, due_date=None)
    with domain.read() as s:
        e = account_exposure(s, shop.account_id, TODAY)
    assert (e.open_orders, e.uninvoiced_deliveries, e.open_receivables) == (
        money(6000), money(0), money(4000))
    with domain.uow() as uow:
        place_hold(uow, shop.account_id, "逾期", Actor.system("test"))
        uow.commit()
    with pytest.raises(CreditRefused, match="hold"):
        lifecycle(domain, shop.bu_id, ship_order, "SO-1", delivery_external_id="D-2",
                  amount=None, shipped_on=TODAY)
    # a delivery already recorded is not refused when re-sent
    again = lifecycle(domain, shop.bu_id, ship_order, "SO-1", delivery_external_id="D-1",
                      amount=Decimal("4000"), shipped_on=TODAY)
    assert again.change == "unchanged"
    lifecycle(domain, shop.bu_id, cancel_order, "SO-1")
    assert lifecycle(domain, shop.bu_id, cancel_order, "SO-1").change == "unchanged"
    with pytest.raises(Conflict, match="cancelled"):  # not "pass": nothing is reserved
        check(domain, shop.bu_id, "SO-1", "10000")
    with domain.read() as s:
        assert account_exposure(s, shop.account_id, TODAY).exposure == money(4000)
    with pytest.raises(NotFound):
        lifecycle(domain, shop.bu_id, confirm_order, "SO-404")


def test_released_order_counts_and_may_ship_on_hold(domain: Domain) -> None:
    shop = make_shop(domain, limit="1000")
    blocked = check(domain, shop.bu_id, "SO-1", "3000")
    with pytest.raises(Conflict):
        lifecycle(domain, shop.bu_id, confirm_order, "SO-1")
    with domain.uow() as uow:
        release_order(uow, blocked.order_id, reason="APP-1 approved")
        place_hold(uow, shop.account_id, "逾期", Actor.system("test"))
        uow.commit()
    lifecycle(domain, shop.bu_id, ship_order, "SO-1", delivery_external_id="D-1", amount=None,
              shipped_on=TODAY)
    with domain.read() as s:
        assert account_exposure(s, shop.account_id, TODAY).uninvoiced_deliveries == money(3000)


def test_concurrent_checks_never_over_reserve(any_domain: Domain) -> None:
    shop = make_shop(any_domain, limit="100000")
    start = threading.Barrier(20)

    def attempt(i: int) -> CheckAnswer:
        start.wait()
        return check(any_domain, shop.bu_id, f"SO-{i % 16}", "7000")  # 4 re-sends

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(attempt, range(20)))
    with any_domain.read() as s:
        e = account_exposure(s, shop.account_id, TODAY)
        statuses = [o.status for o in s.scalars(select(Order))]
    assert e.open_orders == money(98000) and e.available == money(2000)
    assert statuses.count(OrderStatus.RESERVED) == 14
    assert statuses.count(OrderStatus.BLOCKED) == 2 and len(statuses) == 16
    by_order: dict[str, set[bool]] = {}
    for a in answers:
        by_order.setdefault(a.order_external_id, set()).add(a.passed)
    assert all(len(v) == 1 for v in by_order.values())  # re-sends got the same answer


def test_a_block_whose_release_nobody_can_approve_says_so(any_domain: Domain) -> None:
    """A unit with no sales manager enrolled: the order is blocked, the ERP hears the release
    application could not be opened (and why, in the audit, in the unit's language), nothing
    of it is left behind, and a re-sent check gets the same answer; the next order on the
    account is checked as usual (the account's lock and figures survive the refused step)."""
    shop = make_shop(any_domain, limit="1000")
    with any_domain.uow() as uow:
        uow.session.execute(delete(RoleAssignment).where(
            RoleAssignment.person_id == shop.manager_id))
        uow.commit()
    answer = check(any_domain, shop.bu_id, "SO-1", "5000")
    assert (answer.passed, answer.release_status, answer.release_reference) == (
        False, "failed", None)
    assert count(any_domain, Application) == 0 and count(any_domain, ApprovalStep) == 0
    with any_domain.read() as s:
        failed = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "order.release_failed")).one()
        order = s.scalars(select(Order).where(Order.external_id == "SO-1")).one()
    assert failed.entity_id == str(answer.order_id) and "销售经理" in (failed.reason or "")
    assert order.status == OrderStatus.BLOCKED
    again = check(any_domain, shop.bu_id, "SO-1", "5000")
    assert again.repeated and again.release_status == "failed"
    assert count(any_domain, AuditEvent, AuditEvent.action == "order.release_failed") == 1
    passed = check(any_domain, shop.bu_id, "SO-2", "800")
    assert passed.passed and passed.available_before == money(1000)
