"""The ``alerts`` policy: which alert goes to whom (default: ``policy/defaults/alerts.yaml``).

A route matches alert types, optionally severities, region codes and a CEL condition, and
names recipients: roles in the business unit, relations to the subject (the account's
``owner``, its team's ``manager``, its region's ``region_director``) and named channels. Every
matching route adds its recipients; a person reached twice gets one message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.monitoring.severity import Severity
from credit_domain.orgs.calendar import BusinessCalendar
from credit_domain.orgs.models import Person, Role, RoleAssignment
from credit_domain.policy.expr import Expression, ExpressionError
from credit_domain.policy.store import register_kind

Relation = Literal["owner", "manager", "region_director"]
CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")

# Alert types a route may name; features add theirs with :func:`register_alert_type`.
ALERT_TYPES: dict[str, str] = {}

# Names a route's ``when`` condition may use (every alert provides each one).
ROUTE_NAMES = frozenset({"alert", "severity", "region", "team", "amount", "days_overdue",
                         "utilisation", "grade", "level"})
ROUTE_DEFAULTS: dict[str, Any] = {"alert": "", "severity": "info", "region": "", "team": "",
                                  "amount": 0.0, "days_overdue": 0, "utilisation": 0.0,
                                  "grade": "", "level": 0}
_NUMBERS: dict[str, type] = {"amount": float, "utilisation": float, "days_overdue": int,
                             "level": int}


def register_alert_type(name: str, description: str) -> str:
    """Make ``name`` routable (alert types are validated when a policy loads)."""
    ALERT_TYPES[name] = description
    return name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Recipients(_Strict):
    relations: list[Relation] = []
    roles: list[Role] = []
    channels: list[str] = []

    @field_validator("channels")
    @classmethod
    def _channel_names(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if not CHANNEL_NAME.match(c)]
        if bad:
            raise ValueError(f"channel names are lower-case words like credit-alerts: {bad}")
        return value


class Route(_Strict):
    alerts: list[str]  # alert types, or "*" for every type
    severities: list[Severity] = []  # empty: any severity
    regions: list[str] = []  # region codes; empty: any region
    when: Expression | None = None
    to: Recipients

    @field_validator("alerts")
    @classmethod
    def _known_alerts(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(ALERT_TYPES) - {"*"})
        if unknown or not value:
            raise ValueError(f"unknown alert type(s) {unknown}; known: {sorted(ALERT_TYPES)}")
        return value

    @field_validator("when")
    @classmethod
    def _known_names(cls, value: Expression | None) -> Expression | None:
        if value is not None:
            value.check_names(ROUTE_NAMES)
            try:  # a condition that cannot evaluate (e.g. `days_overdue > 3.5`) fails now
                value.test(ROUTE_DEFAULTS)
            except ExpressionError as exc:
                raise ValueError(f"{exc} (amount and utilisation are decimals; days_overdue "
                                 f"and level are whole numbers)") from None
        return value

    def matches(self, alert: str, severity: Severity, facts: Mapping[str, Any]) -> bool:
        if "*" not in self.alerts and alert not in self.alerts:
            return False
        if self.severities and severity not in self.severities:
            return False
        if self.regions and facts.get("region") not in self.regions:
            return False
        return self.when is None or self.when.test(facts)


class AlertsPolicy(_Strict):
    quiet_hours: bool = True  # non-urgent alerts wait for working time (the unit's calendar)
    routes: list[Route]

    @model_validator(mode="after")
    def _some_route(self) -> AlertsPolicy:
        if not self.routes:
            raise ValueError("an alerts policy needs at least one route")
        return self


KIND = register_kind("alerts", AlertsPolicy, "policy/defaults/alerts.yaml",
                     "Alert routing: alert type × region × severity → people and channels")


@dataclass(frozen=True)
class Subject:
    """What an alert is about, as routing sees it."""

    business_unit_id: int
    owner_id: int | None = None
    team_id: int | None = None
    region_id: int | None = None


@dataclass(frozen=True)
class Targets:
    person_ids: tuple[int, ...]
    channels: tuple[str, ...]


def route_facts(alert: str, severity: Severity, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The values a route condition sees: every name present, missing ones defaulted."""
    out = {**ROUTE_DEFAULTS, **{k: v for k, v in facts.items() if k in ROUTE_NAMES}}
    for name, kind in _NUMBERS.items():
        out[name] = kind(out[name])
    out.update(alert=alert, severity=severity.value)
    return out


def resolve(session: Session, policy: AlertsPolicy, alert: str, severity: Severity,
            subject: Subject, facts: Mapping[str, Any]) -> Targets:
    """People (active, in a stable order) and channels that ``alert`` goes to."""
    relations: set[str] = set()
    roles: set[Role] = set()
    channels: list[str] = []
    for route in policy.routes:
        if route.matches(alert, severity, facts):
            relations.update(route.to.relations)
            roles.update(route.to.roles)
            channels += [c for c in route.to.channels if c not in channels]
    people = _people(session, subject, relations, roles)
    return Targets(tuple(people), tuple(channels))


def _people(session: Session, subject: Subject, relations: set[str],
            roles: set[Role]) -> list[int]:
    found: set[int] = set()
    if "owner" in relations and subject.owner_id is not None:
        found.add(subject.owner_id)
    scoped = [(Role.SALES_MANAGER, RoleAssignment.team_id, subject.team_id, "manager"),
              (Role.REGION_DIRECTOR, RoleAssignment.region_id, subject.region_id,
               "region_director")]
    in_unit = RoleAssignment.business_unit_id == subject.business_unit_id
    for role, column, value, relation in scoped:
        if relation in relations and value is not None:
            found.update(session.scalars(select(RoleAssignment.person_id).where(
                in_unit, RoleAssignment.role == role, column == value)))
    if roles:
        found.update(session.scalars(select(RoleAssignment.person_id).where(
            in_unit, RoleAssignment.role.in_([r.value for r in roles]))))
    if not found:
        return []
    active = session.scalars(select(Person.id).where(Person.id.in_(found), Person.active))
    return sorted(active)


def next_working_time(calendar: BusinessCalendar, instant: dt.datetime) -> dt.datetime:
    """``instant`` itself during working time, else the start of the next working period."""
    if calendar.is_working_time(instant):
        return instant
    local = instant.astimezone(calendar.tz)
    day = local.date()
    if not (calendar.is_working_day(day) and local.time() < calendar.day_start):
        day = calendar.next_working_day(day + dt.timedelta(days=1))
    return dt.datetime.combine(day, calendar.day_start, calendar.tz).astimezone(dt.UTC)
