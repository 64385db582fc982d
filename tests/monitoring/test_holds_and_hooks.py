"""The hold service other features share, and the jobs waiting for the workflow engine and
the bureau provider."""

import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select

from credit_domain.access import Actor, load_actor
from credit_domain.accounts.holds import place_hold, release_hold
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.errors import Forbidden, InvalidInput
from credit_domain.events import HoldChanged
from credit_domain.monitoring.runner import JobContext, Unit
from credit_domain.unit_of_work import UnitOfWork
from tests.monitoring.helpers import add_account, events_of, make_org, run, sent


def actor(domain: Domain, person_id: int) -> Actor:
    with domain.read() as s:
        return load_actor(s, person_id)


def test_place_and_release_are_audited_idempotent_and_authorised(any_domain: Domain) -> None:
    org = make_org(any_domain)
    acc = add_account(any_domain, org, "甲公司")
    finance = actor(any_domain, org.finance)
    events = events_of(any_domain)
    with pytest.raises(Forbidden), any_domain.uow() as uow:
        place_hold(uow, acc, "suspicious", actor(any_domain, org.seller))
    with pytest.raises(InvalidInput), any_domain.uow() as uow:
        place_hold(uow, acc, "  ", finance)
    for _ in range(2):  # a double tap holds once
        with any_domain.uow(finance) as uow:
            place_hold(uow, acc, "法院冻结 court freeze", finance)
            uow.commit()
    with any_domain.uow(finance) as uow:
        assert release_hold(uow, acc, "paid in full", finance).changed
        uow.commit()
    with any_domain.uow(finance) as uow:
        assert not release_hold(uow, acc, "again", finance).changed
        uow.commit()
    with any_domain.read() as s:
        account = s.get_one(CreditAccount, acc)
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("hold.%"))
                            .order_by(AuditEvent.id)).all()
    assert account.status == AccountStatus.ACTIVE and account.hold_reason is None
    assert actions == ["hold.placed", "hold.released"]
    assert [(e.on_hold, e.reason) for e in events if isinstance(e, HoldChanged)] == [
        (True, "法院冻结 court freeze"), (False, "paid in full")]
    kinds = [m.kind for m in sent(any_domain) if m.person_id == org.seller]
    assert kinds == ["alert.credit_hold", "alert.credit_hold_released"]


def test_bureau_job_says_it_is_not_available_without_a_provider(domain: Domain) -> None:
    make_org(domain)
    domain.ports.pop("bureau_refresh", None)
    for job in ("bureau-refresh",):
        report = run(domain, job)
        assert report.status == "ok" and "not available yet" in report.notes[0]
        assert not report.counts and sent(domain) == []


def test_sla_job_reminds_and_escalates_through_the_workflow(
        domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    org = make_org(domain)
    acted: list[tuple[str, int]] = []

    @dataclass(frozen=True)
    class Item:
        step_id: int
        number: str
        business_unit_id: int
        state: str

    def act(what: str) -> Any:
        def service(uow: UnitOfWork, step_id: int) -> bool:
            if step_id == 3:
                raise RuntimeError("step 3 is broken")
            acted.append((what, step_id))
            uow.notify(f"approval.{what}", person_id=org.manager,
                       dedupe_key=f"{what}:{step_id}:{len(acted)}")
            return step_id != 2  # step 2 was reminded before: nothing to do

        return service

    workflow = ModuleType("credit_domain.applications.sla")
    workflow.sla_status = lambda session, now: [  # type: ignore[attr-defined]
        Item(1, "APP-1", org.bu, "reminder_due"), Item(2, "APP-2", org.bu, "reminder_due"),
        Item(3, "APP-3", org.bu, "breached"), Item(4, "APP-4", org.bu, "breached")]
    workflow.send_reminder = act("reminder")  # type: ignore[attr-defined]
    workflow.escalate = act("escalation")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "credit_domain.applications.sla", workflow)

    dry = run(domain, "approval-sla", dry_run=True)
    assert sorted(m.kind for m in dry.messages) == [
        "approval.escalation", "approval.reminder", "approval.reminder"]
    assert sent(domain) == []
    report = run(domain, "approval-sla")
    assert report.counts == {"reminders": 1, "escalations": 1}
    assert report.status == "partial" and "APP-3 step 3" in report.errors[0]
    assert len(sent(domain)) == 3  # steps 1, 2 (its service chose to notify) and 4


def test_bureau_refresh_runs_the_provider_per_unit(domain: Domain) -> None:
    org = make_org(domain)
    seen: list[int] = []

    def bureau(ctx: JobContext, unit: Unit) -> None:
        seen.append(unit.id)
        with ctx.step(unit, "customer 1"):
            raise RuntimeError("provider timeout")

    domain.ports["bureau_refresh"] = bureau
    report = run(domain, "bureau-refresh")
    assert report.status == "failed" and "provider timeout" in report.errors[0]
    assert seen == [org.bu]


def test_a_unit_that_fails_does_not_stop_the_next(domain: Domain) -> None:
    from tests.factories import World

    make_org(domain)
    with domain.uow() as uow:
        World(uow.session, uow.now()).business_unit("CON", "消费品事业部")
        uow.commit()

    def bureau(ctx: JobContext, unit: Unit) -> None:
        if unit.code == "CON":
            raise RuntimeError("CON provider misconfigured")
        with ctx.step(unit, "customer 1"):
            ctx.report.count(unit, "refreshed")

    domain.ports["bureau_refresh"] = bureau
    report = run(domain, "bureau-refresh")
    assert report.status == "partial" and report.by_unit == {"IND": {"refreshed": 1}}
    assert report.errors == ["CON business unit: RuntimeError: CON provider misconfigured"]
