"""The scheduler's jobs against the real features: approval SLAs through the workflow
(across a weekend: a reminder, then an escalation, each once), the nightly rescoring and the
bureau refresh per business unit, with failure isolation and dry runs."""

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from credit_domain.bootstrap import Domain
from credit_domain.bureau.models import BureauSnapshot
from credit_domain.bureau.port import BureauUnavailable
from credit_domain.bureau.report import BureauReport, CompanyStatus, DishonestListing
from credit_domain.clock import FrozenClock
from credit_domain.monitoring import rescoring
from credit_domain.scoring import services as scoring_services
from credit_domain.scoring.models import CreditScore
from tests.credit_domain.applications.builders import (
    build_org,
    pending,
    recipients,
    shanghai,
    submit_as,
)
from tests.credit_domain.bureau.test_refresh import StubProvider
from tests.integration_world import make_shop, push
from tests.monitoring.helpers import run


def count(domain: Domain, model: Any) -> int:
    with domain.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_the_sla_job_reminds_then_escalates_across_a_weekend_once_each(
        any_domain: Domain, clock: FrozenClock) -> None:
    domain = any_domain
    org = build_org(domain)
    clock.set(shanghai(2026, 3, 6, 16))  # Friday afternoon
    app = submit_as(org, amount=150_000)  # sales manager 李强 first; SLA 8 business hours

    def sla_at(when: dt.datetime) -> dict[str, int]:
        clock.set(when)
        return dict(run(domain, "approval-sla").counts)

    assert sla_at(shanghai(2026, 3, 7, 10)) == {}  # Saturday: no business hours have passed
    assert sla_at(shanghai(2026, 3, 9, 10, 45)) == {}
    dry = run(domain, "approval-sla", dry_run=True)
    assert dry.messages == []
    clock.set(shanghai(2026, 3, 9, 11))
    dry = run(domain, "approval-sla", dry_run=True)
    assert [m.kind for m in dry.messages] == ["application.reminder"]
    assert recipients(org, "application.reminder") == []  # the dry run sent nothing
    assert sla_at(shanghai(2026, 3, 9, 11)) == {"reminders": 1}
    assert sla_at(shanghai(2026, 3, 9, 11, 15)) == {}  # once
    assert recipients(org, "application.reminder") == ["李强"]
    assert sla_at(shanghai(2026, 3, 9, 15)) == {"escalations": 1}
    assert sla_at(shanghai(2026, 3, 9, 15, 15)) == {}  # once
    assert sla_at(shanghai(2026, 3, 10, 9, 30)) == {}
    assert pending(org, app.id) == [("李强", 1), ("周杰", 1)]  # the region director may decide
    assert recipients(org, "application.escalated") == ["李强", "王芳"]
    assert recipients(org, "application.reminder") == ["李强"]


def test_nightly_rescoring_per_unit_isolates_a_failing_account(
        any_domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    domain = any_domain
    shops = [make_shop(domain, code=code, name=f"{code}客户有限公司", n=i)
             for i, code in enumerate(("IND", "CON"), start=1)]
    for shop in shops:
        push(domain, shop.bu_id, "invoice", external_id="I-1", amount="5000",
             issue_date="2026-01-01", due_date="2026-01-31")
    scores = count(domain, CreditScore)
    dry = run(domain, "rescore", dry_run=True)
    assert dry.counts["scores changed"] == 2 and count(domain, CreditScore) == scores
    assert {c.action for c in dry.changes} >= {"score.changed"}
    broken = shops[0].account_id
    real = scoring_services.rescore_accounts  # what rescoring imported

    def failing(uow: Any, policies: Any, ids: list[int], trigger: str) -> int:
        if broken in ids:
            raise RuntimeError("indicator query failed")
        return real(uow, policies, ids, trigger)

    monkeypatch.setattr(rescoring, "rescore_accounts", failing)
    report = run(domain, "rescore")
    assert report.status == "partial" and report.errors == [
        f"IND account {broken}: RuntimeError: indicator query failed"]
    assert report.by_unit["CON"]["scores changed"] == 1
    monkeypatch.setattr(rescoring, "rescore_accounts", real)
    assert run(domain, "rescore", scheduled_for=dt.datetime(2026, 3, 3, tzinfo=dt.UTC)
               ).counts["scores changed"] == 1  # IND's, now that it works
    with domain.read() as s:
        triggers = set(s.scalars(select(CreditScore.trigger)))
    assert "nightly" in triggers


def test_the_bureau_refresh_job_per_unit_with_isolation_and_a_dry_run(domain: Domain) -> None:
    shop = make_shop(domain, limit="100000")
    other = make_shop(domain, code="CON", name="西南建材有限公司", n=2)
    stub = StubProvider()
    base = BureauReport("stub", "华东机电有限公司", shop.uscc, CompanyStatus.ACTIVE, "存续",
                        "张三", Decimal("5000000.00"), dt.date(2015, 1, 1))
    stub.reports[shop.uscc] = dataclasses.replace(base, dishonest=(DishonestListing(
        "D1", "(2026)沪01执9号", "上海一中院", dt.date(2026, 2, 20), "全部未履行"),))
    stub.failing[other.uscc] = BureauUnavailable("HTTP 503 (after 4 attempts)")
    domain.ports["bureau"] = stub

    dry = run(domain, "bureau-refresh", dry_run=True)
    assert count(domain, BureauSnapshot) == 0  # nothing stored
    assert {m.kind for m in dry.messages} >= {"bureau.signal", "rule.notification",
                                              "alert.credit_hold"}
    assert "hold.placed" in {c.action for c in dry.changes}  # what the rules would do

    report = run(domain, "bureau-refresh")
    assert report.status == "partial"  # IND went through; CON's customer failed alone
    assert report.by_unit["IND"] == {"bureau snapshots": 1, "bureau signals": 1}
    assert report.errors == ["CON 西南建材有限公司: BureauUnavailable: HTTP 503 (after 4 attempts)"]
    assert count(domain, BureauSnapshot) == 1
    domain.ports.pop("bureau")
    quiet = run(domain, "bureau-refresh", scheduled_for=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    assert quiet.status == "ok" and "not available" in quiet.notes[0]
