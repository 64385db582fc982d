"""What the rules engine calls: a system decision on a pending application, and
applications the system opens (a draft to review, or submitted at once)."""

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from credit_domain.accounts.models import CreditAccount
from credit_domain.applications import (
    AlreadyDecided,
    ApplicationStatus,
    approve,
    decide_by_rule,
    submit_draft,
    suggest,
    timeline,
    withdraw,
)
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.events import ApplicationSubmitted
from credit_domain.unit_of_work import UnitOfWork
from tests.credit_domain.applications.builders import (
    act,
    build_org,
    outbox,
    pending,
    recipients,
    submit_as,
    using_policies,
)


def test_a_rule_rejecting_at_submission_sends_no_approval_request(any_domain: Domain) -> None:
    domain = any_domain
    def high_risk_reject(uow: UnitOfWork, event: Any) -> None:
        if isinstance(event, ApplicationSubmitted) and event.amount > 100_000:
            decide_by_rule(uow, event.application_id, "rejected", "评分低于 40 分，自动驳回",
                           "high_risk_reject")

    domain.subscribers.append(high_risk_reject)
    org = build_org(domain)
    app = submit_as(org, amount=150_000)
    with domain.read() as s:
        t = timeline(s, org.actor("seller"), app.id, domain.clock.now())
        actors = dict(s.execute(select(AuditEvent.action, AuditEvent.actor_label)).all())
    assert t.application.status == ApplicationStatus.REJECTED and t.pending == ()
    assert [(e.action, e.actor) for e in t.entries] == [
        ("submitted", "王芳"), ("rejected", "creditbot (high_risk_reject)")]
    assert outbox(org, "application.pending_approval") == []
    assert outbox(org, "application.no_longer_pending") == []
    assert recipients(org, "application.rejected") == ["王芳", "陈静"]
    assert actors["application.rejected"] == "system:rule:high_risk_reject"
    assert actors["application.submitted"] == f"person:{org.ids['seller']} 王芳"


def test_a_rule_approving_applies_the_effect_and_tells_the_approvers(domain: Domain) -> None:
    org = build_org(domain)
    app = submit_as(org, amount=150_000)
    with domain.uow() as uow:
        decide_by_rule(uow, app.id, "approved", "连续 3 笔按时回款", "on_time_payer")
        uow.commit()
    with domain.read() as s:
        assert s.get_one(CreditAccount, org.account_id).credit_limit == Decimal("150000.00")
    assert recipients(org, "application.no_longer_pending") == ["李强"]
    with pytest.raises(AlreadyDecided) as err, domain.uow() as uow:
        decide_by_rule(uow, app.id, "rejected", "again", "on_time_payer")
    assert err.value.decided_by == "creditbot (on_time_payer)"


def test_a_suggested_draft_is_reviewed_and_submitted_by_the_owner(domain: Domain) -> None:
    org = build_org(domain)

    def propose() -> Any:
        with domain.uow() as uow:
            app = suggest(uow, account_id=org.account_id, kind="increase",
                          amount=Decimal("180000"), reason="连续 3 笔按时回款，建议提额",
                          rule_name="on_time_payer", policies=domain.policies)
            uow.commit()
            return app

    draft = propose()
    assert draft.status == ApplicationStatus.DRAFT and draft.requester_id is None
    assert propose().id == draft.id  # the rule firing again suggests nothing twice
    assert recipients(org, "application.suggested") == ["王芳"]
    assert pending(org, draft.id) == []
    app = act(org, "seller", using_policies(domain, submit_draft), draft.id,
              amount=Decimal("160000"))
    assert app.status == ApplicationStatus.PENDING and app.requester_id == org.ids["seller"]
    assert app.requested_amount == Decimal("160000.00")
    assert pending(org, app.id) == [("李强", 1)]


def test_a_suggestion_can_be_withdrawn_by_its_owner(domain: Domain) -> None:
    org = build_org(domain)
    with domain.uow() as uow:
        draft = suggest(uow, account_id=org.account_id, kind="increase",
                        amount=Decimal("180000"), reason="建议提额", rule_name="r",
                        policies=domain.policies)
        uow.commit()
    assert act(org, "admin", withdraw, draft.id).status == ApplicationStatus.WITHDRAWN


def test_a_suggestion_submitted_at_once_is_routed_by_the_account_team(domain: Domain) -> None:
    org = build_org(domain)
    with domain.uow() as uow:
        app = suggest(uow, account_id=org.account_id, kind="increase", amount=Decimal("180000"),
                      reason="建议提额", rule_name="on_time_payer", policies=domain.policies,
                      submit_now=True)
        uow.commit()
    assert app.status == ApplicationStatus.PENDING and app.origin == "rule:on_time_payer"
    assert pending(org, app.id) == [("李强", 1)]
    assert recipients(org, "application.submitted") == ["王芳", "陈静"]  # owner, CC
    act(org, "manager", approve, app.id)
    act(org, "finance", approve, app.id)
    with domain.read() as s:
        assert s.get_one(CreditAccount, org.account_id).credit_limit == Decimal("180000.00")
