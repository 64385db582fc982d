"""Every step kind and every action: countersign, sequential, or-sign; return and
resubmit, withdraw, transfer, comment; segregation of duties."""

from decimal import Decimal

import pytest

from credit_domain.accounts.models import CreditAccount
from credit_domain.applications import (
    AlreadyDecided,
    ApplicationStatus,
    NotYourTurn,
    RoutingFailed,
    approve,
    comment,
    reject,
    resubmit,
    return_for_info,
    timeline,
    transfer,
    withdraw,
)
from credit_domain.bootstrap import Domain
from credit_domain.errors import Forbidden, InvalidInput
from credit_domain.i18n import Text
from tests.credit_domain.applications.builders import (
    act,
    build_org,
    install_policy,
    outbox,
    pending,
    recipients,
    steps,
    submit_as,
    using_policies,
)

KINDS = """
defaults:
  escalate_to: general_manager
routes:
  - name: committee
    when: amount > 1000000
    steps:
      - role: finance_manager
        kind: countersign
  - name: chain
    when: amount > 500000
    steps:
      - role: finance_manager
        kind: sequential
        allow_transfer: false
      - risk_director
  - name: default
    steps: [sales_manager]
"""


def test_countersign_needs_every_approver(domain: Domain) -> None:
    org = build_org(domain)
    install_policy(org, KINDS)
    app = submit_as(org, amount=2_000_000)
    assert pending(org, app.id) == [("张伟", 1), ("黄磊", 1)]
    act(org, "finance", approve, app.id)
    assert pending(org, app.id) == [("黄磊", 1)]
    with pytest.raises(AlreadyDecided):
        act(org, "finance", approve, app.id)  # no one decides twice in one step
    done = act(org, "finance2", approve, app.id)
    assert done.status == ApplicationStatus.APPROVED
    with domain.read() as s:
        assert s.get_one(CreditAccount, org.account_id).credit_limit == Decimal("2000000.00")


def test_countersign_fails_on_any_rejection(domain: Domain) -> None:
    org = build_org(domain)
    install_policy(org, KINDS)
    app = submit_as(org, amount=2_000_000)
    act(org, "finance", approve, app.id)
    assert act(org, "finance2", reject, app.id, "集团担保不足").status == "rejected"


def test_sequential_step_asks_one_approver_after_another(domain: Domain) -> None:
    org = build_org(domain)
    install_policy(org, KINDS)
    app = submit_as(org, amount=800_000)
    assert pending(org, app.id) == [("张伟", 1)]
    with pytest.raises(NotYourTurn) as err:
        act(org, "finance2", approve, app.id)
    assert "张伟" in err.value.localized("en")
    with pytest.raises(NotYourTurn):
        act(org, "risk", approve, app.id)  # a later step
    act(org, "finance", approve, app.id)
    assert pending(org, app.id) == [("黄磊", 1)]
    act(org, "finance2", approve, app.id)
    assert pending(org, app.id) == [("刘洋", 2)]
    assert act(org, "risk", approve, app.id).status == "approved"


def test_or_sign_closes_on_the_first_decision(domain: Domain) -> None:
    org = build_org(domain)
    app = submit_as(org, amount=150_000)  # middle: manager, then finance (or-sign)
    act(org, "manager", approve, app.id)
    act(org, "finance", approve, app.id)
    with pytest.raises(AlreadyDecided) as err:
        act(org, "finance2", approve, app.id)
    assert err.value.decided_by == "张伟" and err.value.outcome == "approved"


def test_return_and_resubmit_start_a_new_round(any_domain: Domain) -> None:
    domain = any_domain
    org = build_org(domain)
    app = submit_as(org, amount=150_000)
    with pytest.raises(InvalidInput):
        act(org, "manager", return_for_info, app.id, "")
    returned = act(org, "manager", return_for_info, app.id, "请补充近三个月回款记录")
    assert returned.status == ApplicationStatus.RETURNED
    assert steps(org, app.id) == [(1, 1, "sales_manager", "returned"),
                                  (1, 2, "finance_manager", "cancelled")]
    msg = outbox(org, "application.returned")[0]
    assert msg.person_id == org.ids["seller"]
    assert Text.from_json(msg.payload["lines"][0]).render("zh_CN") == "原因：请补充近三个月回款记录"
    with pytest.raises(AlreadyDecided) as err:
        act(org, "manager", approve, app.id)
    assert err.value.outcome == "returned"
    with pytest.raises(Forbidden):
        act(org, "seller2", using_policies(domain, resubmit), app.id)
    again = act(org, "seller", using_policies(domain, resubmit), app.id, amount=Decimal("40000"),
                reason="已补充回款记录，调低申请额度")
    assert again.status == ApplicationStatus.PENDING and again.round == 2
    assert again.route == "decrease" and again.requested_amount == Decimal("40000.00")
    assert steps(org, app.id)[-1] == (2, 1, "finance_manager", "pending")
    with pytest.raises(AlreadyDecided) as err:
        act(org, "seller", using_policies(domain, resubmit), app.id)  # a double tap
    assert err.value.outcome == "submitted"
    act(org, "finance", approve, app.id)
    with domain.read() as s:
        t = timeline(s, org.actor("seller"), app.number, domain.clock.now())
    assert [e.action for e in t.entries] == [
        "submitted", "returned", "resubmitted", "approved", "effect_applied"]
    assert [e.round for e in t.entries] == [1, 1, 2, 2, 2]


def test_withdrawal_before_the_decision_changes_no_limit(domain: Domain) -> None:
    org = build_org(domain)
    app = submit_as(org, amount=150_000)
    with pytest.raises(Forbidden):
        act(org, "manager", withdraw, app.id)
    done = act(org, "seller", withdraw, app.id, "客户取消订单")
    assert done.status == ApplicationStatus.WITHDRAWN
    assert steps(org, app.id) == [(1, 1, "sales_manager", "cancelled"),
                                  (1, 2, "finance_manager", "cancelled")]
    assert recipients(org, "application.no_longer_pending") == ["李强"]
    with pytest.raises(AlreadyDecided) as err:
        act(org, "manager", approve, app.id)
    assert err.value.outcome == "withdrawn" and err.value.decided_by == "王芳"
    with domain.read() as s:
        assert s.get_one(CreditAccount, org.account_id).credit_limit == Decimal("100000.00")


def test_no_withdrawal_after_the_final_decision(domain: Domain) -> None:
    org = build_org(domain, limit=20_000)
    app = submit_as(org, amount=30_000)
    act(org, "manager", approve, app.id)
    with pytest.raises(AlreadyDecided) as err:
        act(org, "seller", withdraw, app.id)
    assert err.value.outcome == "approved"


def test_transfer_to_a_colleague_with_the_same_role(any_domain: Domain) -> None:
    domain = any_domain
    org = build_org(domain)
    app = submit_as(org, amount=150_000)
    with pytest.raises(Forbidden):  # a finance manager does not hold the manager's role
        act(org, "manager", transfer, app.id, org.ids["finance"])
    with pytest.raises(Forbidden):  # the requester never decides their own application
        act(org, "manager", transfer, app.id, org.ids["seller"])
    act(org, "manager", transfer, app.id, org.ids["manager2"], note="出差中，请孙浩代审")
    assert pending(org, app.id) == [("孙浩", 1)]
    ask = outbox(org, "application.pending_approval")[-1]
    assert ask.person_id == org.ids["manager2"] and ask.payload["via"] == "transfer"
    assert recipients(org, "application.transferred") == ["王芳"]
    with pytest.raises(AlreadyDecided) as err:
        act(org, "manager", approve, app.id)
    assert err.value.outcome == "transferred"
    act(org, "manager2", approve, app.id)
    assert pending(org, app.id) == [("张伟", 2), ("黄磊", 2)]


def test_transfer_only_where_the_policy_allows(domain: Domain) -> None:
    org = build_org(domain)
    install_policy(org, KINDS)
    app = submit_as(org, amount=800_000)
    with pytest.raises(Forbidden) as err:
        act(org, "finance", transfer, app.id, org.ids["finance2"])
    assert "does not allow" in err.value.localized("en")


def test_comments_reach_the_requester_and_the_pending_approvers(domain: Domain) -> None:
    org = build_org(domain)
    app = submit_as(org, amount=150_000)
    act(org, "manager", comment, app.id, "请补充合同扫描件")
    act(org, "seller", comment, app.id, "已上传")
    assert recipients(org, "application.commented") == ["王芳", "李强"]
    with pytest.raises(Forbidden):
        act(org, "seller2", comment, app.id, "路过")
    with domain.read() as s:
        t = timeline(s, org.actor("manager"), app.id, domain.clock.now())
    assert [(e.actor, e.note) for e in t.entries if e.action == "commented"] == [
        ("李强", "请补充合同扫描件"), ("王芳", "已上传")]


def test_the_requester_never_approves_their_own_application(domain: Domain) -> None:
    # A sales manager asking for a customer of their own team: their own step goes to the
    # step's escalation role (the region director) instead.
    org = build_org(domain)
    app = submit_as(org, "manager", amount=150_000)
    assert pending(org, app.id) == [("周杰", 1)]
    with pytest.raises(Forbidden) as err:
        act(org, "manager", approve, app.id)
    assert "your own application" in err.value.localized("en")


def test_only_assigned_holders_of_the_role_decide(domain: Domain) -> None:
    org = build_org(domain)
    app = submit_as(org, amount=150_000)
    with pytest.raises(Forbidden):
        act(org, "manager2", approve, app.id)  # a sales manager of another team
    with pytest.raises(Forbidden):
        act(org, "auditor", approve, app.id)


def test_a_step_nobody_can_decide_refuses_the_submission(domain: Domain) -> None:
    org = build_org(domain, skip=("manager", "director"))
    with pytest.raises(RoutingFailed) as err:
        submit_as(org, amount=150_000)
    assert "sales manager" in err.value.localized("en")
    assert outbox(org) == []
