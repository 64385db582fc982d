"""Bureau refresh: snapshots stored when they change, signals raised once and routed (events,
audit, notifications with the standard payload), rescoring, failure isolation."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import types
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain
from credit_domain.bureau.models import BureauSignal, BureauSnapshot
from credit_domain.bureau.port import BureauUnavailable, CompanyRef
from credit_domain.bureau.report import (
    BureauReport,
    CompanyStatus,
    DishonestListing,
    Enforcement,
    Lawsuit,
)
from credit_domain.bureau.services import refresh_bureau
from credit_domain.events import BureauSignalRaised
from credit_domain.orgs.models import Role
from credit_domain.outbox.models import OutboxMessage
from credit_domain.scoring.models import CreditScore
from tests.credit_domain.scoring.helpers import days
from tests.factories import World


class StubProvider:
    """The bureau port with reports set by the test (per USCC); failures on demand."""

    name = "stub"

    def __init__(self) -> None:
        self.reports: dict[str, BureauReport] = {}
        self.failing: dict[str, BureauUnavailable] = {}
        self.calls: list[str] = []

    def fetch(self, company: CompanyRef) -> BureauReport:
        self.calls.append(company.keyword)
        if company.keyword in self.failing:
            raise self.failing[company.keyword]
        return self.reports[company.keyword]


def report(uscc: str, **changes: Any) -> BureauReport:
    base = BureauReport("stub", "甲有限公司", uscc, CompanyStatus.ACTIVE, "存续", "张三",
                        Decimal("5000000.00"), dt.date(2015, 1, 1))
    return dataclasses.replace(base, **changes)


def setup(domain: Domain) -> tuple[StubProvider, list[Any], dict[str, Any]]:
    events: list[Any] = []
    domain.subscribers.append(lambda uow, e: events.append(e))
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit()
        owner = w.person("王芳", (bu, Role.SALESPERSON, None))
        a = w.customer("甲有限公司")
        b = w.customer("乙有限公司")
        acc = w.account(a, bu, owner=owner)
        w.account(b, bu)
        uow.commit()
    stub = StubProvider()
    ids = {"a": a.uscc, "b": b.uscc, "account": acc.id, "owner": owner.id, "customer": a.id}
    return stub, events, ids


def test_first_refresh_raises_current_and_recent_records(any_domain: Domain) -> None:
    stub, events, ids = setup(any_domain)
    stub.reports[ids["a"]] = report(
        ids["a"], status=CompanyStatus.REVOKED, status_text="吊销，未注销",
        lawsuits=(Lawsuit("L1", "(2026)沪01民初1号", "买卖合同纠纷", "法院", days(-20),
                          "defendant"),
                  Lawsuit("L0", "(2023)沪01民初9号", "买卖合同纠纷", "法院", days(-900),
                          "defendant"),
                  Lawsuit("L2", "(2026)沪01民初2号", "借款合同纠纷", "法院", days(-5),
                          "plaintiff")),
        dishonest=(DishonestListing("D1", "(2025)执1号", "法院", days(-300), "全部未履行"),))
    stub.reports[ids["b"]] = report(ids["b"])
    result = refresh_bureau(any_domain, provider=stub)
    assert (result.checked, result.changed, result.signals, result.failures) == (2, 2, 3, [])
    with any_domain.read() as s:
        signals = s.scalars(select(BureauSignal).order_by(BureauSignal.kind)).all()
        messages = s.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "bureau.signal")).all()
        score = s.scalars(select(CreditScore).where(
            CreditScore.account_id == ids["account"])).first()
    assert [(x.kind, x.ref) for x in signals] == [
        ("dishonest_debtor", "D1"), ("new_lawsuit", "L1"),
        ("status_change", f"revoked:{days(0).isoformat()}")]
    raised = [e for e in events if isinstance(e, BureauSignalRaised)]
    assert {e.signal for e in raised} == {"dishonest_debtor", "new_lawsuit", "status_change"}
    assert all(e.account_id == ids["account"] for e in raised)
    assert len(messages) == 6  # each signal to the risk channel and to the account owner
    owner_msgs = [m for m in messages if m.person_id == ids["owner"]]
    assert len(owner_msgs) == 3 and all(m.channel is None for m in owner_msgs)
    payload = next(m.payload for m in messages if m.payload["signal"] == "dishonest_debtor")
    assert payload["tone"] == "danger" and payload["link"] == f"/customers/{ids['customer']}"
    assert {"title", "lines", "fields"} <= set(payload)
    assert "失信被执行人" in payload["lines"][0]["msgid"]
    assert score is not None and score.trigger == "bureau_signal_raised"
    assert score.grade == "D"  # revoked: capped at D whatever the points


def test_refresh_signals_each_change_once(any_domain: Domain) -> None:
    stub, _events, ids = setup(any_domain)
    stub.reports[ids["a"]] = report(ids["a"])
    stub.reports[ids["b"]] = report(ids["b"])
    first = refresh_bureau(any_domain, provider=stub)
    assert first.signals == 0
    again = refresh_bureau(any_domain, provider=stub)
    assert (again.changed, again.signals) == (0, 0)
    stub.reports[ids["a"]] = report(
        ids["a"], legal_representative="李四",
        enforcements=(Enforcement("E1", "(2026)执5号", "法院", Decimal("120000.00"), days(-1)),))
    third = refresh_bureau(any_domain, provider=stub)
    assert (third.changed, third.signals) == (1, 2)
    with any_domain.read() as s:
        kinds = sorted(s.scalars(select(BureauSignal.kind)))
        snapshots = len(s.scalars(select(BureauSnapshot.id)).all())
    assert kinds == ["legal_representative_change", "new_enforcement"]
    assert snapshots == 3


def test_one_failure_does_not_stop_the_others_but_bad_credentials_do(
        any_domain: Domain) -> None:
    stub, _events, ids = setup(any_domain)
    stub.reports[ids["b"]] = report(ids["b"])
    stub.failing[ids["a"]] = BureauUnavailable("HTTP 503 (after 4 attempts)")
    result = refresh_bureau(any_domain, provider=stub)
    assert result.checked == 2 and result.changed == 1
    assert [(name, reason) for _id, name, reason in result.failures] == [
        ("甲有限公司", "HTTP 503 (after 4 attempts)")]
    stub.failing[ids["a"]] = BureauUnavailable("error_code 300002: 账号失效", permanent=True)
    stopped = refresh_bureau(any_domain, provider=stub)
    assert stopped.stopped == "error_code 300002: 账号失效" and stopped.checked == 1


class FakeJob:
    """The monitoring job context as ``refresh_unit`` uses it: domain, step, report."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self.report = self
        self.counts: dict[str, int] = {}
        self.errors: list[str] = []

    def count(self, unit: Any, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    @contextlib.contextmanager
    def step(self, unit: Any, item: str) -> Iterator[Any]:
        try:
            with self.domain.uow() as uow:
                yield uow
                uow.commit()
        except Exception as exc:
            self.errors.append(f"{item}: {exc}")


def test_the_monitoring_job_refreshes_a_unit_customer_by_customer(any_domain: Domain) -> None:
    stub, _events, ids = setup(any_domain)
    stub.reports[ids["b"]] = report(ids["b"], dishonest=(
        DishonestListing("D9", "(2026)执9号", "法院", days(-2), "全部未履行"),))
    stub.failing[ids["a"]] = BureauUnavailable("HTTP 503 (after 4 attempts)")
    any_domain.ports["bureau"] = stub
    refresh = any_domain.ports["bureau_refresh"]
    job = FakeJob(any_domain)
    with any_domain.read() as s:
        unit = s.scalar(select(CreditAccount.business_unit_id).where(
            CreditAccount.id == ids["account"]))
    refresh(job, types.SimpleNamespace(id=unit, code="IND"))
    assert job.errors == ["甲有限公司: HTTP 503 (after 4 attempts)"]
    assert job.counts == {"bureau snapshots": 1, "bureau signals": 1}
    with any_domain.read() as s:
        assert [x.kind for x in s.scalars(select(BureauSignal))] == ["dishonest_debtor"]
