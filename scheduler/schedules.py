"""When each monitoring job runs (crontab syntax, in the scheduler's timezone), and the cron
arithmetic the scheduler needs on top of APScheduler's triggers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.cron import CronTrigger


@dataclass(frozen=True)
class Schedule:
    job: str
    cron: str  # minute hour day month day-of-week
    # How late a missed tick (the process was down) may still run once at start-up;
    # None: however late. Older missed ticks are dropped, never replayed one by one.
    catch_up: dt.timedelta | None = None

    def trigger(self, timezone: str) -> Any:
        return CronTrigger.from_crontab(self.cron, timezone=timezone)


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("overdue-scan", "0 8 * * *"),
    Schedule("utilisation", "*/15 * * * *"),
    Schedule("temporary-limits", "5 0 * * *"),
    Schedule("review-due", "0 9 * * mon", dt.timedelta(days=3)),
    Schedule("approval-sla", "*/15 * * * *"),
    Schedule("bureau-refresh", "0 2 * * *", dt.timedelta(hours=12)),
    # after the bureau refresh, before anyone starts work (and before the 08:00 overdue scan)
    Schedule("rescore", "30 3 * * *", dt.timedelta(hours=12)),
    Schedule("daily-digest", "30 17 * * *", dt.timedelta(hours=6)),
    Schedule("weekly-digest", "0 9 * * mon", dt.timedelta(days=1)),
    Schedule("inbound-prune", "40 3 * * *", dt.timedelta(days=1)),
)


def latest_fire_time(trigger: Any, now: dt.datetime,
                     horizon: dt.timedelta = dt.timedelta(days=400)) -> dt.datetime | None:
    """The last fire time of ``trigger`` at or before ``now`` (None within ``horizon``).

    APScheduler's triggers only look forward, so this looks back in doubling windows and
    then walks forward to the last fire time that is not after ``now``.
    """
    window = dt.timedelta(minutes=1)
    while window <= horizon * 2:
        fire: dt.datetime | None = trigger.get_next_fire_time(None, now - window)
        if fire is not None and fire <= now:
            while True:
                following: dt.datetime | None = trigger.get_next_fire_time(fire, fire)
                if following is None or following > now:
                    return fire
                fire = following
        window *= 2
    return None


def fire_times_between(trigger: Any, after: dt.datetime, until: dt.datetime,
                       cap: int = 100_000) -> int:
    """How many fire times lie in (``after``, ``until``] (counted up to ``cap``)."""
    n = 0
    fire: dt.datetime | None = trigger.get_next_fire_time(after, after)
    while fire is not None and fire <= until and n < cap:
        n += 1
        fire = trigger.get_next_fire_time(fire, fire)
    return n
