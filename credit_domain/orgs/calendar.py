"""Business calendars: which days are working days and which hours count toward an SLA.

``CN`` follows China's public holidays and make-up workdays (调休) from the maintained
``chinesecalendar`` package; ``weekdays`` is Monday–Friday everywhere. Days a credit
administrator entered (:mod:`credit_domain.orgs.holidays`: the State Council's schedule for a
year the package does not know yet, a company's own closures) take precedence over both. For
a year with neither package data nor an entered holiday, ``CN`` falls back to Monday–Friday
and says so through :attr:`BusinessCalendar.missing_years`. Working hours are 09:00–18:00 in
the business unit's timezone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from sqlalchemy.orm import Session

from credit_domain.orgs.holidays import entered_days

log = logging.getLogger(__name__)


@dataclass
class BusinessCalendar:
    kind: str = "CN"  # "CN" or "weekdays"
    timezone: str = "Asia/Shanghai"
    day_start: dt.time = dt.time(9, 0)
    day_end: dt.time = dt.time(18, 0)
    missing_years: set[int] = field(default_factory=set)
    # Entered days (day → working?), which take precedence over the rules above.
    days: Mapping[dt.date, bool] = field(default_factory=dict)

    @classmethod
    def for_unit(cls, session: Session, business_unit: Any) -> BusinessCalendar:
        """The calendar of a BusinessUnit (its ``calendar`` and ``timezone`` columns), with
        the days entered for it."""
        kind = getattr(business_unit, "calendar", "CN") or "CN"
        return cls(kind=kind, timezone=getattr(business_unit, "timezone", "Asia/Shanghai"),
                   days=entered_days(session, kind))

    def __post_init__(self) -> None:
        # The years days off were entered for: their schedule is known, nothing is missing.
        self._scheduled = frozenset(d.year for d, working in self.days.items() if not working)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: dt.date) -> bool:
        entered = self.days.get(day)
        if entered is not None:
            return entered
        if self.kind == "CN":
            try:
                return bool(chinese_calendar.is_workday(day))
            except NotImplementedError:
                if day.year not in self.missing_years and day.year not in self._scheduled:
                    self.missing_years.add(day.year)
                    log.warning("No Chinese holiday data for %s yet; counting Monday-Friday "
                                "until the schedule is entered ('creditbot calendar holiday') "
                                "or chinesecalendar is upgraded", day.year)
        return day.weekday() < 5

    def source(self, year: int) -> str:
        """Where ``year``'s holidays come from: ``package`` (chinesecalendar), ``entered``
        (days off entered for it), ``missing`` (neither: Monday–Friday) or ``weekdays`` (a
        calendar without public holidays)."""
        if self.kind != "CN":
            return "weekdays"
        try:
            chinese_calendar.is_workday(dt.date(year, 1, 1))
        except NotImplementedError:
            return "entered" if year in self._scheduled else "missing"
        return "package"

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the next one."""
        for _ in range(60):
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no working day within 60 days")  # pragma: no cover

    def add_business_days(self, day: dt.date, days: int) -> dt.date:
        current = day
        while days > 0:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                days -= 1
        return current

    def is_working_time(self, instant: dt.datetime) -> bool:
        local = instant.astimezone(self.tz)
        return self.is_working_day(local.date()) and self.day_start <= local.time() < self.day_end

    def _day_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        return (dt.datetime.combine(day, self.day_start, self.tz),
                dt.datetime.combine(day, self.day_end, self.tz))

    def add_business_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The instant ``hours`` working hours after ``start`` (aware, in UTC)."""
        remaining = dt.timedelta(hours=hours)
        local = start.astimezone(self.tz)
        day = local.date()
        cursor = local
        for _ in range(3660):
            if self.is_working_day(day):
                opens, closes = self._day_bounds(day)
                begin = max(cursor, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(dt.UTC)
                    remaining -= available
            day += dt.timedelta(days=1)
            cursor = dt.datetime.combine(day, dt.time(0, 0), self.tz)
        raise ValueError("SLA beyond ten years")  # pragma: no cover

    def business_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working hours elapsed from ``start`` to ``end`` (0 when end ≤ start)."""
        if end <= start:
            return 0.0
        total = dt.timedelta()
        a, b = start.astimezone(self.tz), end.astimezone(self.tz)
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                opens, closes = self._day_bounds(day)
                lo, hi = max(a, opens), min(b, closes)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total.total_seconds() / 3600
