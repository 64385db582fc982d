"""The scheduler: cron ticks, the cluster-wide claim of each tick, coalesced misfires after
downtime, and two schedulers with two dispatchers on one database sending each alert once."""

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select

from credit_domain.bootstrap import Domain, build_domain
from credit_domain.clock import FrozenClock, local_date
from credit_domain.monitoring.jobs import JOBS, JobDefinition
from credit_domain.monitoring.models import JobRun
from credit_domain.monitoring.runner import JobContext
from credit_domain.monitoring.runs import claim_run
from credit_domain.outbox.dispatcher import Dispatcher
from credit_domain.outbox.models import OutboxMessage, OutboxStatus
from credit_domain.policy.store import default_content
from scheduler.schedules import Schedule, fire_times_between, latest_fire_time
from scheduler.service import MonitoringScheduler
from tests.monitoring.fake_platform import FakePlatform, HttpNotifier
from tests.monitoring.helpers import add_account, add_invoice, make_org, sent

SH = "Asia/Shanghai"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(("cron", "now", "expected"), [
    ("0 8 * * *", "2026-03-02 00:00", "2026-03-02 00:00"),  # 08:00 Shanghai, exactly
    ("0 8 * * *", "2026-03-01 23:59", "2026-03-01 00:00"),
    ("*/15 * * * *", "2026-03-02 03:44:59", "2026-03-02 03:30"),
    ("0 9 * * mon", "2026-03-08 12:00", "2026-03-02 01:00"),  # last Monday 09:00
])
def test_latest_fire_time(cron: str, now: str, expected: str) -> None:
    trigger = CronTrigger.from_crontab(cron, timezone=SH)
    assert latest_fire_time(trigger, at(now)) == at(expected)


def test_fire_times_between() -> None:
    trigger = CronTrigger.from_crontab("0 8 * * *", timezone=SH)
    assert fire_times_between(trigger, at("2026-02-27 00:00"), at("2026-03-02 00:00")) == 3


def test_a_tick_is_claimed_once(any_domain: Domain) -> None:
    tick = at("2026-03-02 00:00")
    first = claim_run(any_domain, "overdue-scan", tick, trigger="schedule", runner="a")
    second = claim_run(any_domain, "overdue-scan", tick, trigger="schedule", runner="b")
    assert first is not None and second is None


def wait_for(predicate: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def job_runs(domain: Domain, job: str) -> list[JobRun]:
    with domain.read() as s:
        return list(s.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id)))


def test_missed_ticks_after_downtime_run_once_coalesced(domain: Domain,
                                                        clock: FrozenClock) -> None:
    clock.set(dt.datetime.now(dt.UTC))  # APScheduler runs on the wall clock
    org = make_org(domain)
    acc = add_account(domain, org, "甲公司")
    add_invoice(domain, acc, 5_000, due=local_date(clock.now(), SH) - dt.timedelta(days=2))
    schedules = [Schedule("overdue-scan", "0 8 * * *"),
                 Schedule("daily-digest", "30 17 * * *", dt.timedelta(minutes=1))]
    sched = MonitoringScheduler(domain, schedules=schedules)
    tick = latest_fire_time(sched.triggers["overdue-scan"], clock.now())
    assert tick is not None
    # The cluster last ran the scan three days ago, then every process was down.
    claim_run(domain, "overdue-scan", tick - dt.timedelta(days=3), trigger="schedule")
    assert sched.missed_tick("overdue-scan") == tick
    assert sched.missed_tick("daily-digest") is None  # beyond its catch-up window
    sched.start()
    try:
        wait_for(lambda: len(job_runs(domain, "overdue-scan")) == 2
                 and job_runs(domain, "overdue-scan")[1].finished_at is not None)
        time.sleep(0.5)
    finally:
        sched.shutdown()
    runs = job_runs(domain, "overdue-scan")
    assert len(runs) == 2 and job_runs(domain, "daily-digest") == []
    assert (runs[1].scheduled_for, runs[1].missed, runs[1].status) == (tick, 2, "ok")
    assert runs[1].trigger == ("catch-up" if clock.now() - tick > dt.timedelta(minutes=1)
                               else "schedule")
    assert len(sent(domain, "alert.invoice_overdue")) == 2  # owner and manager, once

    replica = MonitoringScheduler(domain, schedules=schedules)
    assert replica.missed_tick("overdue-scan") is None  # claimed: a late replica skips it


@dataclass(frozen=True)
class EverySecond(Schedule):
    def trigger(self, timezone: str) -> Any:
        return CronTrigger(second="*", timezone=timezone)


def test_two_schedulers_and_two_dispatchers_deliver_each_alert_once(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    domains = [build_domain(db_url), build_domain(db_url)]
    executions: list[dt.datetime] = []
    lock = threading.Lock()

    def counting(ctx: JobContext) -> None:
        with lock:
            executions.append(ctx.now)

    monkeypatch.setitem(JOBS, "count", JobDefinition("count", counting, "test"))
    org = make_org(domains[0])
    with domains[0].uow() as uow:  # deliver at once whatever the hour the test runs at
        domains[0].policies.install(uow, org.bu, "alerts", default_content("alerts").replace(
            "quiet_hours: true", "quiet_hours: false"))
        uow.commit()
    today = local_date(dt.datetime.now(dt.UTC), SH)
    for i in range(4):
        acc = add_account(domains[0], org, f"客户{i}", other_team=bool(i % 2))
        add_invoice(domains[0], acc, 1_000 + i, due=today - dt.timedelta(days=1 + i))
    schedules = [EverySecond("count", "* * * * *"), EverySecond("overdue-scan", "* * * * *")]
    schedulers = [MonitoringScheduler(d, schedules=schedules, runner=f"replica-{i}")
                  for i, d in enumerate(domains)]
    stop = threading.Event()
    with FakePlatform() as platform:
        dispatchers = [Dispatcher(d, lambda: HttpNotifier(platform.url, timeout=5), batch_size=2)
                       for d in domains]

        def deliver(dispatcher: Dispatcher) -> None:
            while not stop.is_set():
                if not dispatcher.run_once().claimed:
                    stop.wait(0.05)

        workers = [threading.Thread(target=deliver, args=(d,)) for d in dispatchers]
        try:
            for scheduler in schedulers:
                scheduler.start()
            for w in workers:
                w.start()
            time.sleep(3.5)
        finally:
            for scheduler in schedulers:
                scheduler.shutdown()
            stop.set()
            for w in workers:
                w.join(30)
        for dispatcher in dispatchers:
            dispatcher.drain()
        counted = job_runs(domains[0], "count")
        ticks = [r.scheduled_for for r in counted]
        assert len(counted) >= 2 and len(set(ticks)) == len(ticks)
        assert len(executions) == len(counted)  # every tick ran once, in one of the two
        assert len(job_runs(domains[0], "overdue-scan")) >= 2
        with domains[0].read() as s:
            outbox = s.scalars(select(OutboxMessage)).all()
            assert s.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status != OutboxStatus.SENT)) == 0
        assert len(outbox) == 8  # 4 overdue invoices × (owner + manager)
        assert dict(platform.posted) == {m.id: 1 for m in outbox}
    for d in domains:
        d.dispose()
