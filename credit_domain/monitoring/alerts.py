"""Raising an alert: record it once under its dedupe key, route it by policy, and queue one
outbox message per recipient in the same unit of work.

The payload uses the outbox's standard keys (``title``, ``tone``, ``lines``, ``fields``,
``link``; see :mod:`credit_domain.outbox.models`), so the chat layer renders any alert in each
reader's language without alert-specific code. Other features raise their own alert types
through :func:`raise_alert` after :func:`~credit_domain.monitoring.routing.register_alert_type`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from credit_domain.accounts.models import CreditAccount
from credit_domain.i18n import Text
from credit_domain.monitoring.models import RaisedAlert
from credit_domain.monitoring.routing import (
    AlertsPolicy,
    Subject,
    next_working_time,
    register_alert_type,
    resolve,
    route_facts,
)
from credit_domain.monitoring.severity import Severity
from credit_domain.orgs.calendar import BusinessCalendar
from credit_domain.orgs.models import BusinessUnit, Region, Team
from credit_domain.policy.store import PolicyStore
from credit_domain.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

for _name, _what in [
    ("invoice_overdue", "an invoice became overdue"),
    ("credit_hold", "a credit account was put on hold"),
    ("credit_hold_released", "a hold was released"),
    ("utilisation", "utilisation crossed a threshold of the effective limit"),
    ("temporary_limit_expiring", "a temporary limit ends soon"),
    ("temporary_limit_expired", "a temporary limit ended"),
    ("review_due", "accounts past their credit review date"),
    ("holidays_missing", "a year's public holidays are not entered yet (SLAs count Mon-Fri)"),
    ("daily_digest", "daily summary of a team"),
    ("weekly_digest", "weekly summary of a business unit"),
]:
    register_alert_type(_name, _what)

Value = Text | str


@dataclass(frozen=True)
class Alert:
    """One alert, before routing. ``key`` identifies it for good (rule, subject and
    crossing/period, e.g. ``overdue:invoice:42``): raising the same key again does nothing."""

    type: str
    key: str
    business_unit_id: int
    severity: Severity
    title: Text
    lines: tuple[Text, ...] = ()
    fields: tuple[tuple[Text, Value], ...] = ()
    account_id: int | None = None
    team_id: int | None = None  # the subject team when there is no account (team digests)
    link: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)  # for route conditions

    @property
    def kind(self) -> str:
        """The outbox message kind."""
        return f"alert.{self.type}"

    def payload(self) -> dict[str, Any]:
        return {
            "alert": self.type,
            "severity": self.severity.value,
            "tone": self.severity.tone,
            "title": self.title.to_json(),
            "lines": [line.to_json() for line in self.lines],
            "fields": [{"label": label.to_json(),
                        "value": value.to_json() if isinstance(value, Text) else value}
                       for label, value in self.fields],
            "link": self.link,
            "account_id": self.account_id,
            "facts": {k: str(v) if isinstance(v, Decimal) else v for k, v in self.facts.items()},
        }


@dataclass(frozen=True)
class Raised:
    """The outcome of :func:`raise_alert`: whether it was new, and who it went to."""

    new: bool
    person_ids: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    not_before: dt.datetime | None = None


def raise_alert(uow: UnitOfWork, policies: PolicyStore, alert: Alert) -> Raised:
    """Record ``alert`` and queue its messages (see module docstring); an alert whose key
    was raised before changes nothing."""
    if not _record(uow, alert):
        return Raised(new=False)
    telemetry = uow.telemetry
    uow.after_commit(lambda: telemetry.alert_raised(alert.type))
    session = uow.session
    subject, facts = _subject(uow, alert)
    policy: AlertsPolicy = policies.get(alert.business_unit_id, "alerts")
    targets = resolve(session, policy, alert.type, alert.severity, subject,
                      route_facts(alert.type, alert.severity, facts))
    not_before = None
    if policy.quiet_hours and alert.severity != Severity.URGENT:
        unit = session.get(BusinessUnit, alert.business_unit_id)
        waiting = next_working_time(BusinessCalendar.for_unit(session, unit), uow.now())
        not_before = waiting if waiting > uow.now() else None
    payload = alert.payload()
    for person_id in targets.person_ids:
        uow.notify(alert.kind, person_id=person_id, business_unit_id=alert.business_unit_id,
                   dedupe_key=f"{alert.key}|p{person_id}", not_before=not_before, **payload)
    for channel in targets.channels:
        uow.notify(alert.kind, channel=channel, business_unit_id=alert.business_unit_id,
                   dedupe_key=f"{alert.key}|c:{channel}", not_before=not_before, **payload)
    count = len(targets.person_ids) + len(targets.channels)
    if not count:
        log.warning("alert %s (%s) matches no route in business unit %s", alert.key,
                    alert.type, alert.business_unit_id)
    session.execute(update(RaisedAlert).where(RaisedAlert.dedupe_key == alert.key)
                    .values(recipients=count))
    return Raised(True, targets.person_ids, targets.channels, not_before)


def _record(uow: UnitOfWork, alert: Alert) -> bool:
    """Insert the alert's key; False when it exists (raised before, or by a concurrent run)."""
    dialect = uow.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(RaisedAlert).values(
        dedupe_key=alert.key, alert=alert.type, severity=alert.severity.value,
        business_unit_id=alert.business_unit_id, account_id=alert.account_id,
        raised_at=uow.now(), recipients=0,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(RaisedAlert.id)
    return uow.session.execute(stmt).scalar() is not None


def _subject(uow: UnitOfWork, alert: Alert) -> tuple[Subject, dict[str, Any]]:
    session = uow.session
    facts = dict(alert.facts)
    if alert.account_id is not None:
        account = session.get(CreditAccount, alert.account_id)
        if account is None:
            raise LookupError(f"credit account {alert.account_id} does not exist")
        subject = Subject(alert.business_unit_id, account.owner_id, account.team_id,
                          account.region_id)
        facts.setdefault("grade", account.grade or "")
    else:
        team = session.get(Team, alert.team_id) if alert.team_id is not None else None
        subject = Subject(alert.business_unit_id, None, alert.team_id,
                          team.region_id if team else None)
    if subject.team_id is not None:
        facts.setdefault("team", session.scalar(select(Team.code).where(
            Team.id == subject.team_id)) or "")
    if subject.region_id is not None:
        facts.setdefault("region", session.scalar(select(Region.code).where(
            Region.id == subject.region_id)) or "")
    return subject, facts
