"""Two approvers of an or-sign step deciding at the same instant: exactly one wins and the
other is told who decided and when, on SQLite and on PostgreSQL. A failing notification
write rolls the whole decision back."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from credit_domain.accounts.models import CreditAccount
from credit_domain.applications import AlreadyDecided, approve, reject
from credit_domain.applications.models import Application, StepAssignment, TimelineEntry
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.unit_of_work import UnitOfWork
from tests.credit_domain.applications.builders import Org, act, build_org, outbox, submit_as


def race(org: Org, app_id: int, step_id: int) -> list[object]:
    """张伟 approves and 黄磊 rejects the same or-sign step at the same instant."""
    start = threading.Barrier(2)

    def decide(login: str) -> object:
        start.wait()
        try:
            if login == "finance":
                return act(org, login, approve, app_id, step_id=step_id)
            return act(org, login, reject, app_id, "担保不足", step_id=step_id)
        except AlreadyDecided as exc:
            return exc

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(decide, ["finance", "finance2"]))


@pytest.mark.parametrize("attempt", range(3))
def test_simultaneous_or_sign_decisions_have_one_winner(any_domain: Domain,
                                                        attempt: int) -> None:
    org = build_org(any_domain)
    app = submit_as(org, amount=150_000)
    act(org, "manager", approve, app.id)  # now with 张伟 or 黄磊 (or-sign)
    with any_domain.read() as s:
        step_id = s.scalar(select(StepAssignment.step_id).where(
            StepAssignment.application_id == app.id, StepAssignment.status == "pending"))
    assert step_id is not None
    results = race(org, app.id, step_id)
    losers = [r for r in results if isinstance(r, AlreadyDecided)]
    winners = [r for r in results if isinstance(r, Application)]
    assert len(losers) == 1 and len(winners) == 1
    winner, loser = winners[0], losers[0]
    assert loser.outcome == winner.status  # "approved" or "rejected", whoever came first
    assert loser.decided_by == ("张伟" if winner.status == "approved" else "黄磊")
    assert loser.localized("en").endswith(f"by {loser.decided_by} at 09:00.")
    with any_domain.read() as s:
        decided = s.scalars(select(StepAssignment).where(
            StepAssignment.step_id == step_id,
            StepAssignment.status.in_(("approved", "rejected")))).all()
        entries = s.scalar(select(func.count()).select_from(TimelineEntry).where(
            TimelineEntry.action.in_(("approved", "rejected")), TimelineEntry.step_id == step_id))
        limit = s.get_one(CreditAccount, org.account_id).credit_limit
    assert len(decided) == 1 and entries == 1
    assert limit == (Decimal("150000.00") if winner.status == "approved"
                     else Decimal("100000.00"))
    outcome_messages = outbox(org, f"application.{winner.status}")
    assert [m.person_id for m in outcome_messages] == [org.ids["seller"], org.ids["admin"]]


def test_concurrent_submissions_get_distinct_numbers(any_domain: Domain) -> None:
    orgs = [build_org(any_domain, code=f"U{i}") for i in range(4)]
    start = threading.Barrier(len(orgs))

    def go(i: int) -> str:
        start.wait()
        return submit_as(orgs[i], amount=150_000).number

    with ThreadPoolExecutor(max_workers=len(orgs)) as pool:
        numbers = sorted(pool.map(go, range(len(orgs))))
    assert numbers == [f"APP-2026-{n:06d}" for n in range(1, 5)]


def test_a_failing_notification_write_rolls_the_decision_back(
        domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    org = build_org(domain, limit=20_000)
    app = submit_as(org, amount=30_000)
    with domain.read() as s:
        audits = s.scalar(select(func.count()).select_from(AuditEvent))

    def broken(self: UnitOfWork) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(UnitOfWork, "_write_outbox", broken)
    with pytest.raises(RuntimeError):
        act(org, "manager", approve, app.id)
    monkeypatch.undo()
    with domain.read() as s:
        assert s.get_one(Application, app.id).status == "pending"
        assert s.get_one(CreditAccount, org.account_id).credit_limit == Decimal("20000.00")
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == audits
        assert s.scalar(select(StepAssignment.status).where(
            StepAssignment.application_id == app.id)) == "pending"
    # and the decision goes through once the outbox is back
    assert act(org, "manager", approve, app.id).status == "approved"
