"""APScheduler 3 wiring of the monitoring jobs.

APScheduler 3's job stores must never be shared between processes (its FAQ: duplicate or
missed runs follow), so every process keeps its jobs in memory, built from
:data:`~scheduler.schedules.SCHEDULES` at start, and the database decides who runs a tick:
each fire first claims (job, scheduled fire time) in the job runs, and only the process whose
claim wins runs the job. Cron triggers give every process the same fire times, so any
number of replicas run each tick once between them.

Missed ticks (every process was down) are coalesced: at start, a job whose latest tick was
not run by anyone (and is within the schedule's ``catch_up`` window) runs once at once, and
its run records how many ticks it stands for.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from credit_domain.bootstrap import Domain
from credit_domain.monitoring.jobs import run_job
from credit_domain.monitoring.runs import is_claimed, last_scheduled, runner_name
from scheduler.schedules import SCHEDULES, Schedule, fire_times_between, latest_fire_time

log = logging.getLogger(__name__)
LATE = dt.timedelta(minutes=1)  # a fire later than this after its tick is a catch-up


class MonitoringScheduler:
    """The monitoring jobs on an in-memory APScheduler ``BackgroundScheduler``."""

    def __init__(self, domain: Domain, *, timezone: str = "Asia/Shanghai",
                 schedules: Iterable[Schedule] = SCHEDULES, max_workers: int = 4,
                 runner: str | None = None) -> None:
        self.domain = domain
        self.runner = runner or runner_name()
        self.timezone = timezone
        self.schedules = {s.job: s for s in schedules}
        self.triggers = {name: s.trigger(timezone) for name, s in self.schedules.items()}
        self.scheduler = BackgroundScheduler(
            timezone=timezone,
            executors={"default": ThreadPoolExecutor(max_workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    def start(self) -> None:
        """Add every job (those with a missed tick due at once) and start the scheduler."""
        for name in self.schedules:
            extra: dict[str, Any] = {}
            missed = self.missed_tick(name)
            if missed is not None:
                extra["next_run_time"] = missed
                log.info("%s missed its tick of %s; running it once now", name, missed)
            self.scheduler.add_job(self.fire, self.triggers[name], args=[name], id=name,
                                   name=name, **extra)
        self.scheduler.start()
        log.info("Monitoring scheduler started: %s", ", ".join(self.schedules))

    def shutdown(self, wait: bool = True) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)

    def missed_tick(self, name: str) -> dt.datetime | None:
        """The latest tick of ``name`` if no process ran it and it is still worth running."""
        now = self.domain.clock.now()
        tick = latest_fire_time(self.triggers[name], now)
        if tick is None:
            return None
        window = self.schedules[name].catch_up
        if window is not None and now - tick > window:
            return None
        with self.domain.read() as session:
            return None if is_claimed(session, name, tick) else tick

    def next_fire_time(self, name: str) -> dt.datetime | None:
        now = self.domain.clock.now()
        fire: dt.datetime | None = self.triggers[name].get_next_fire_time(None, now)
        return fire

    def fire(self, name: str) -> None:
        """Run ``name`` for its latest tick, unless another process claimed that tick."""
        now = self.domain.clock.now()
        tick = latest_fire_time(self.triggers[name], now)
        if tick is None:
            return
        with self.domain.read() as session:
            previous = last_scheduled(session, name)
        missed = 0 if previous is None else max(
            0, fire_times_between(self.triggers[name], previous, tick) - 1)
        report = run_job(self.domain, name, scheduled_for=tick, missed=missed,
                         trigger="catch-up" if now - tick > LATE else "schedule",
                         runner=self.runner)
        if report is None:
            log.info("%s tick %s ran in another process", name, tick)
        else:
            log.info("%s tick %s: %s %s", name, tick, report.status, dict(report.counts))
