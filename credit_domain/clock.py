"""Time as the domain sees it: always timezone-aware, and replaceable for tests (time travel)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

UTC = dt.UTC


class Clock(Protocol):
    """Source of the current instant."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


@dataclass
class FrozenClock:
    """A clock that stands still until moved; tests walk it across days."""

    current: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC))

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> dt.datetime:
        self.current = self.current + dt.timedelta(**delta)
        return self.current

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self.current = when


def local_date(instant: dt.datetime, timezone: str) -> dt.date:
    """The calendar date of ``instant`` in a business unit's timezone."""
    return instant.astimezone(ZoneInfo(timezone)).date()
