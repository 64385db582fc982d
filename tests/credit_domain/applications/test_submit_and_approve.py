"""A salesperson's request becomes a decision: submitted with the facts of the moment,
routed by the default policy, approved step by step, and applied in the same transaction."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.models import CreditAccount, TemporaryLimit
from credit_domain.applications import (
    AlreadyDecided,
    ApplicationStatus,
    approve,
    find_application,
    reject,
)
from credit_domain.audit.chain import verify_chains
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.customer360.events import label
from credit_domain.customer360.services import customer_view
from credit_domain.errors import Conflict, Forbidden, InvalidInput
from credit_domain.events import ApplicationDecided, ApplicationSubmitted, LimitChanged
from credit_domain.i18n import Text
from credit_domain.ledger.models import Order, OrderStatus
from tests.credit_domain.applications.builders import (
    act,
    build_org,
    outbox,
    pending,
    recipients,
    rules,
    steps,
    submit_as,
)
from tests.factories import World


@pytest.fixture
def events(domain: Domain) -> list[Any]:
    return watch(domain)


def watch(domain: Domain) -> list[Any]:
    seen: list[Any] = []
    domain.subscribers.append(lambda uow, e: seen.append(e))
    return seen


def test_submission_takes_a_snapshot_and_asks_the_first_step(domain: Domain,
                                                             events: list[Any]) -> None:
    org = build_org(domain)
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        acc = uow.session.get_one(CreditAccount, org.account_id)
        w.invoice(acc, "30000.00", issued=dt.date(2026, 1, 1))  # overdue by March
        w.order(acc, "10000.00")
        uow.commit()
    app = submit_as(org, amount=150_000)
    assert app.number == "APP-2026-000001" and app.status == ApplicationStatus.PENDING
    assert app.snapshot is not None
    assert {k: app.snapshot[k] for k in ("limit", "exposure", "available", "overdue")} == {
        "limit": "100000.00", "exposure": "40000.00", "available": "60000.00",
        "overdue": "30000.00"}
    assert app.snapshot["grade"] == "A" and app.snapshot["utilisation"] == "0.4000"
    assert app.route == "middle"
    assert steps(org, app.id) == [(1, 1, "sales_manager", "pending"),
                                  (1, 2, "finance_manager", "waiting")]
    assert pending(org, app.id) == [("李强", 1)]
    assert [type(e) for e in events] == [ApplicationSubmitted]
    asks = outbox(org, "application.pending_approval")
    assert [m.person_id for m in asks] == [org.ids["manager"]]
    payload = asks[0].payload
    assert payload["application_id"] == app.id and payload["number"] == app.number
    assert {"title", "lines", "fields", "tone", "link", "step_id", "actions"} <= set(payload)
    assert Text.from_json(payload["title"]).render("zh_CN") == f"{app.number}：需要您审批"
    labels = [Text.from_json(f["label"]).render("en") for f in payload["fields"]]
    assert "Exposure" in labels and "Available" in labels
    assert recipients(org, "application.submitted") == ["王芳", "陈静"]  # requester, CC


def test_middle_request_walks_manager_then_finance_and_raises_the_limit(
        any_domain: Domain) -> None:
    domain = any_domain
    events = watch(domain)
    org = build_org(domain)
    app = submit_as(org, amount=150_000)
    act(org, "manager", approve, app.id, comment="客户回款稳定")
    assert pending(org, app.id) == [("张伟", 2), ("黄磊", 2)]  # or-sign: either finance manager
    assert recipients(org, "application.progress") == ["王芳"]
    with domain.read() as s:
        assert s.get_one(CreditAccount, org.account_id).credit_limit == Decimal("100000.00")
    done = act(org, "finance2", approve, app.id)
    assert done.status == ApplicationStatus.APPROVED
    with domain.read() as s:
        account = s.get_one(CreditAccount, org.account_id)
        assert account.credit_limit == Decimal("150000.00") and account.version == 2
        decided = find_application(s, app.number)
        record = decided.decision
        assert record is not None
        assert verify_chains(s).ok
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert record["outcome"] == "approved" and record["decided_by"] == "黄磊"
    assert record["effect"]["before"]["credit_limit"] == "100000.00"
    assert [(st["role"], st["status"]) for st in record["steps"]] == [
        ("sales_manager", "approved"), ("finance_manager", "approved")]
    finance_step = record["steps"][1]["assignments"]
    assert {(a["name"], a["status"]) for a in finance_step} == {("黄磊", "approved"),
                                                                ("张伟", "cancelled")}
    assert actions == ["application.submitted", "application.step_approved",
                       "application.step_approved", "limit.changed", "application.approved"]
    assert [type(e) for e in events] == [ApplicationSubmitted, LimitChanged, ApplicationDecided]
    assert events[1].old_limit == Decimal("100000.00")
    assert events[1].new_limit == Decimal("150000.00")
    assert recipients(org, "application.approved") == ["王芳", "陈静"]
    assert recipients(org, "application.no_longer_pending") == ["张伟"]
    # The customer's 360° history shows the change, who made it and for which application.
    with domain.read() as s:
        customer_id = s.get_one(CreditAccount, org.account_id).customer_id
    history = customer_view(domain, org.actor("finance2"), customer_id).timeline
    change = next(e for e in history if e.action == "limit.changed")
    assert change.reason and change.reason.startswith(app.number)
    assert change.occurred_at.utcoffset() == dt.timedelta(hours=8)  # Shanghai time, as cards
    assert label(change.action).render("zh_CN") == "审批调整额度"


def test_small_request_is_decided_by_the_sales_manager_alone(domain: Domain) -> None:
    org = build_org(domain, limit=0)
    app = submit_as(org, kind="initial", amount=30_000, term_days=45)
    assert app.route == "small" and steps(org, app.id) == [(1, 1, "sales_manager", "pending")]
    act(org, "manager", approve, app.id)
    with domain.read() as s:
        account = s.get_one(CreditAccount, org.account_id)
    assert account.credit_limit == Decimal("30000.00") and account.payment_terms_days == 45


def test_large_request_or_high_risk_grade_reaches_the_risk_director(domain: Domain) -> None:
    org = build_org(domain)
    app = submit_as(org, amount=300_000)
    assert app.route == "large"
    assert [s[2] for s in steps(org, app.id)] == ["sales_manager", "finance_manager",
                                                  "risk_director"]
    risky = build_org(domain, grade="CCC", code="CON")
    app2 = submit_as(risky, amount=120_000)
    assert app2.route == "middle"
    assert rules(risky, app2.id) == [
        ("sales_manager", "route middle", "amount <= 200000"),
        ("finance_manager", "route middle", "amount <= 200000"),
        ("risk_director", "always high_risk_grade", 'grade in ["C", "CC", "CCC", "D"]')]


def test_a_lower_limit_goes_to_finance_only(domain: Domain) -> None:
    org = build_org(domain, limit=500_000)
    app = submit_as(org, amount=200_000)
    assert app.route == "decrease" and [s[2] for s in steps(org, app.id)] == ["finance_manager"]
    act(org, "finance", approve, app.id)
    with domain.read() as s:
        assert s.get_one(CreditAccount, org.account_id).credit_limit == Decimal("200000.00")


def test_rejection_needs_a_reason_and_changes_no_limit(domain: Domain,
                                                       events: list[Any]) -> None:
    org = build_org(domain)
    app = submit_as(org, amount=150_000)
    with pytest.raises(InvalidInput):
        act(org, "manager", reject, app.id, "  ")
    done = act(org, "manager", reject, app.id, "逾期未清")
    assert done.status == ApplicationStatus.REJECTED
    assert steps(org, app.id) == [(1, 1, "sales_manager", "rejected"),
                                  (1, 2, "finance_manager", "cancelled")]
    with domain.read() as s:
        assert s.get_one(CreditAccount, org.account_id).credit_limit == Decimal("100000.00")
    assert isinstance(events[-1], ApplicationDecided) and events[-1].outcome == "rejected"
    msg = outbox(org, "application.rejected")[0]
    assert Text.from_json(msg.payload["lines"][0]).render("en") == "Reason: 逾期未清"
    with pytest.raises(AlreadyDecided) as err:
        act(org, "finance", approve, app.id)
    assert err.value.outcome == "rejected" and err.value.decided_by == "李强"


def test_the_same_approval_twice_changes_state_once(domain: Domain) -> None:
    org = build_org(domain, limit=20_000)
    app = submit_as(org, amount=30_000)
    act(org, "manager", approve, app.id)
    before = len(outbox(org))
    with pytest.raises(AlreadyDecided) as err:
        act(org, "manager", approve, app.id)
    assert err.value.localized("en") == f"{app.number} was already approved by 李强 at 09:00."
    assert err.value.localized("zh_CN") == f"{app.number} 已由 李强 于 09:00 批准。"
    assert len(outbox(org)) == before
    with domain.read() as s:
        assert s.get_one(CreditAccount, org.account_id).credit_limit == Decimal("30000.00")


def test_temporary_limit_is_active_for_its_window(domain: Domain) -> None:
    org = build_org(domain)
    app = submit_as(org, kind="temporary", amount=40_000, valid_from=dt.date(2026, 3, 2),
                    valid_to=dt.date(2026, 3, 31))
    act(org, "manager", approve, app.id)
    with domain.read() as s:
        temp = s.scalars(select(TemporaryLimit)).one()
        assert temp.source == f"application:{app.number}" and temp.amount == Decimal("40000.00")
        assert account_exposure(s, org.account_id, dt.date(2026, 3, 15)).effective_limit == (
            Decimal("140000.00"))
        assert account_exposure(s, org.account_id, dt.date(2026, 4, 1)).effective_limit == (
            Decimal("100000.00"))


def test_released_order_becomes_exposure(domain: Domain) -> None:
    org = build_org(domain)
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        order = w.order(uow.session.get_one(CreditAccount, org.account_id), "130000.00",
                        status=OrderStatus.BLOCKED, external_id="SO-77")
        uow.commit()
    app = submit_as(org, kind="order_release", amount=None, order_external_id="SO-77")
    assert app.requested_amount == Decimal("130000.00") and app.order_id == order.id
    act(org, "manager", approve, app.id)
    with domain.read() as s:
        assert account_exposure(s, org.account_id, dt.date(2026, 3, 2)).open_orders == 0
    act(org, "finance", approve, app.id)
    with domain.read() as s:
        assert s.get_one(Order, order.id).status == OrderStatus.RELEASED
        assert account_exposure(s, org.account_id, dt.date(2026, 3, 2)).open_orders == (
            Decimal("130000.00"))


def test_bad_requests_are_refused_with_a_reason(domain: Domain) -> None:
    org = build_org(domain)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"kind": "initial", "amount": 50_000}, "already has a limit"),
        ({"kind": "increase", "amount": 100_000}, "already the limit"),
        ({"kind": "loan"}, "Unknown application type"),
        ({"kind": "increase", "reason": ""}, "reason"),
        ({"kind": "temporary", "amount": 5000}, "validity window"),
        ({"kind": "temporary", "amount": 5000, "valid_from": dt.date(2026, 3, 1),
          "valid_to": dt.date(2026, 12, 31)}, "at most 180 days"),
        ({"kind": "increase", "attachments": ("file:///etc/passwd",)}, "links"),
        ({"kind": "order_release", "amount": None, "order_external_id": "SO-none"}, "no order"),
    ]
    for extra, message in cases:
        with pytest.raises(InvalidInput) as err:
            submit_as(org, **extra)
        assert message in err.value.localized("en"), (extra, err.value.localized("en"))
    assert outbox(org) == []


def test_a_second_open_application_of_the_same_kind_is_refused(domain: Domain) -> None:
    org = build_org(domain)
    first = submit_as(org, amount=150_000)
    with pytest.raises(Conflict) as err:
        submit_as(org, amount=160_000)
    assert first.number in err.value.localized("en")


def test_only_people_who_see_the_account_may_ask(domain: Domain) -> None:
    org = build_org(domain)
    with pytest.raises(Forbidden):
        submit_as(org, "seller2")
