"""Running a monitoring job: per business unit, each account (or team) in its own unit of work,
so one failure is recorded and the rest goes on; a dry run does everything but commit and
reports what would have been sent to whom and what would have changed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.access import Actor
from credit_domain.bootstrap import Domain
from credit_domain.clock import local_date
from credit_domain.i18n import Text
from credit_domain.orgs.calendar import BusinessCalendar
from credit_domain.orgs.models import BusinessUnit
from credit_domain.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unit:
    """A business unit as jobs use it."""

    id: int
    code: str
    name: str
    timezone: str
    calendar: BusinessCalendar
    locale: str

    @classmethod
    def of(cls, session: Session, bu: BusinessUnit) -> Unit:
        return cls(bu.id, bu.code, bu.name, bu.timezone,
                   BusinessCalendar.for_unit(session, bu), bu.locale)


@dataclass(frozen=True)
class PlannedMessage:
    """An outbox message a dry run would have written."""

    kind: str
    person_id: int | None
    channel: str | None
    title: Text | None
    not_before: dt.datetime | None
    dedupe_key: str | None


@dataclass(frozen=True)
class PlannedChange:
    """An audit event a dry run would have appended (i.e. a state change)."""

    action: str
    entity_type: str
    entity_id: str
    reason: str | None


@dataclass
class JobReport:
    """What a run did (or, dry, would do), per business unit, and what failed."""

    job: str
    dry_run: bool
    counts: Counter[str] = field(default_factory=Counter)
    by_unit: dict[str, Counter[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    messages: list[PlannedMessage] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)
    # Per business unit: steps that went through, steps that failed, whether it raised.
    outcomes: dict[str, list[int]] = field(default_factory=dict)

    def count(self, unit: Unit, what: str, n: int = 1) -> None:
        self.counts[what] += n
        self.by_unit.setdefault(unit.code, Counter())[what] += n

    def outcome(self, unit: Unit, slot: int) -> None:
        """Note a step done (0), a step failed (1) or the whole unit failed (2)."""
        self.outcomes.setdefault(unit.code, [0, 0, 0])[slot] += 1

    @property
    def status(self) -> str:
        """ok; partial: some units or items failed; failed: every unit failed."""
        if not self.errors:
            return "ok"
        failed = [code for code, (done, bad, raised) in self.outcomes.items()
                  if raised or (bad and not done)]
        return "failed" if len(failed) == len(self.outcomes) else "partial"

    def summary(self) -> dict[str, Any]:
        return {"counts": dict(self.counts),
                "by_unit": {k: dict(v) for k, v in self.by_unit.items()},
                "notes": self.notes, "errors": self.errors[:20],
                "error_count": len(self.errors)}


@dataclass
class JobContext:
    """Everything a job service needs: the domain, when it runs, and whether it is dry."""

    domain: Domain
    job: str
    dry_run: bool = False
    only_units: frozenset[str] | None = None  # business unit codes; None: every unit
    actor: Actor = field(default_factory=lambda: Actor.system("scheduler"))
    report: JobReport = field(init=False)
    now: dt.datetime = field(init=False)
    cache: dict[str, Any] = field(default_factory=dict)  # shared work within one run

    def __post_init__(self) -> None:
        self.report = JobReport(self.job, self.dry_run)
        self.now = self.domain.clock.now()

    def today(self, unit: Unit) -> dt.date:
        return local_date(self.now, unit.timezone)

    def units(self) -> list[Unit]:
        with self.domain.read() as session:
            rows = session.scalars(select(BusinessUnit).order_by(BusinessUnit.code)).all()
            units = [Unit.of(session, bu) for bu in rows]
        return [u for u in units if self.only_units is None or u.code in self.only_units]

    def for_each_unit(self, fn: Callable[[JobContext, Unit], None]) -> None:
        """Call ``fn`` for every business unit; a unit's failure is recorded, not raised."""
        for unit in self.units():
            self.report.outcomes.setdefault(unit.code, [0, 0, 0])
            try:
                fn(self, unit)
            except Exception as exc:  # isolate: one unit's failure never stops the others
                self._failed(unit, "business unit", exc)
                self.report.outcome(unit, 2)

    @contextmanager
    def step(self, unit: Unit, item: str, *, isolate: bool = True) -> Iterator[UnitOfWork]:
        """A unit of work for one item (an account, a team): committed when the block ends,
        or (dry run) rolled back after noting its messages and changes. An exception inside
        is recorded against ``item`` and does not propagate; with ``isolate=False`` (a batch
        the caller will retry item by item) it propagates, rolled back and not recorded."""
        try:
            with self.domain.uow(self.actor) as uow:
                yield uow
                if self.dry_run:
                    self._capture(uow)
                else:
                    uow.commit()
            self.report.outcome(unit, 0)
        except Exception as exc:  # isolate: one account's failure never stops the others
            if not isolate:
                raise
            self._failed(unit, item, exc)
            self.report.outcome(unit, 1)

    def _failed(self, unit: Unit, item: str, exc: Exception) -> None:
        log.exception("%s: %s %s failed", self.job, unit.code, item)
        self.report.errors.append(f"{unit.code} {item}: {type(exc).__name__}: {exc}")

    def _capture(self, uow: UnitOfWork) -> None:
        # The commit path without the commit: subscribers react to the events (a hold's
        # alert, a rule's reaction) so the dry run shows everything a real run would do.
        uow._dispatch_events()
        for m in uow.messages:
            title = m.payload.get("title")
            self.report.messages.append(PlannedMessage(
                m.kind, m.person_id, m.channel, Text.from_json(title) if title else None,
                m.not_before, m.dedupe_key))
        for a in uow.audits:
            self.report.changes.append(PlannedChange(a.action, a.entity_type, a.entity_id,
                                                     a.reason or _rule_summary(a.after)))


def _rule_summary(after: Any) -> str | None:
    """A rule firing has no reason of its own: say which rule and what each action did."""
    if not isinstance(after, dict) or "rule" not in after:
        return None
    actions = "; ".join(f"{a.get('action')} {a.get('status')}"
                        + (f" ({a['detail']})" if a.get("detail") else "")
                        for a in after.get("actions", []))
    return f"{after['rule']} ← {after.get('event')}" + (f": {actions}" if actions else "")
