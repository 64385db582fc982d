"""``processed_events`` is pruned after seven days by the ``inbound-prune`` job, never within a
replay window, so a retried or replayed delivery is still refused while it could arrive."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.errors import InvalidInput
from credit_domain.inbound.models import ProcessedEvent
from credit_domain.inbound.retention import longest_window, prune_processed_events
from credit_domain.inbound.services import claim
from credit_domain.monitoring.jobs import run_job


def claim_now(domain: Domain, namespace: str, event_id: str) -> bool:
    with domain.uow() as uow:
        fresh = claim(uow, namespace, event_id)
        uow.commit()
    return fresh


def kept(domain: Domain) -> list[str]:
    with domain.read() as s:
        return sorted(s.scalars(select(ProcessedEvent.event_id)))


def test_the_job_forgets_deliveries_older_than_seven_days_and_keeps_the_rest(
        any_domain: Domain, clock: FrozenClock) -> None:
    claim_now(any_domain, "wecom-in", "msg:old")
    clock.advance(days=6, hours=23)
    claim_now(any_domain, "dingtalk-in", "msg:recent")
    clock.advance(hours=2)  # "old" is now 7 days and 1 hour old
    dry = run_job(any_domain, "inbound-prune", dry_run=True)
    assert dry is not None and dry.counts["inbound events pruned"] == 1
    assert kept(any_domain) == ["msg:old", "msg:recent"]
    report = run_job(any_domain, "inbound-prune")
    assert report is not None and report.counts["inbound events pruned"] == 1
    assert kept(any_domain) == ["msg:recent"]
    assert not claim_now(any_domain, "dingtalk-in", "msg:recent")  # still refused


def test_a_retention_inside_a_replay_window_is_refused(any_domain: Domain) -> None:
    claim_now(any_domain, "dingtalk-sig", "1700000000000:abc")
    with any_domain.uow() as uow, pytest.raises(InvalidInput) as refused:
        prune_processed_events(uow, keep=longest_window() - dt.timedelta(minutes=1))
    assert "24" in refused.value.message.render("zh_CN")
    assert kept(any_domain) == ["1700000000000:abc"]

