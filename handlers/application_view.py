"""One credit application as chat shows it: read once from the database (as the reader may
see it) into an :class:`AppView`, then rendered as a card for that reader by
``handlers.application_card``. The approval card, the requester's card and the notification
cards are all this view, so they always agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.access import Actor
from credit_domain.applications import require_application
from credit_domain.applications.labels import step_title
from credit_domain.applications.models import (
    ApplicationStatus,
    ApprovalStep,
    AssignmentStatus,
    StepAssignment,
    TimelineEntry,
)
from credit_domain.applications.records import Who, last_transition
from credit_domain.i18n import Text
from credit_domain.ledger.models import Order
from credit_domain.orgs.models import BusinessUnit, Person

COMMENTS_SHOWN = 3


@dataclass(frozen=True)
class Decider:
    person_id: int
    name: str
    status: str  # an AssignmentStatus
    decided_at: dt.datetime | None
    via: str
    comment: str | None


@dataclass(frozen=True)
class StepView:
    id: int
    position: int
    title: Text
    kind: str
    status: str  # a StepStatus
    opened_at: dt.datetime | None
    due_at: dt.datetime | None
    people: tuple[Decider, ...]
    transferable: bool = False  # the policy lets an approver hand it to a colleague (转交)


@dataclass(frozen=True)
class Event:
    """A timeline entry: who did what when (and why)."""

    at: dt.datetime
    actor: str
    action: str
    note: str | None


@dataclass(frozen=True)
class AppView:
    id: int
    number: str
    kind: str
    status: str
    amount: Decimal
    valid_from: dt.date | None
    valid_to: dt.date | None
    term_days: int | None
    reason: str
    attachments: tuple[str, ...]
    order: str | None
    snapshot: dict[str, Any]
    route: str | None
    submitted_at: dt.datetime | None
    requester_id: int | None
    requester: str
    owner_id: int | None  # the account's owner: hears of applications the system opened
    account_id: int
    customer: str
    unit: BusinessUnit
    steps: tuple[StepView, ...]  # of the current round
    comments: tuple[Event, ...]
    last: Event | None  # the last transition (submitted, approved, returned…)
    now: dt.datetime

    @property
    def currency(self) -> str:
        return self.unit.currency

    @property
    def timezone(self) -> str:
        return self.unit.timezone

    @property
    def is_open(self) -> bool:
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.PENDING,
                               ApplicationStatus.RETURNED)

    def pending_step_of(self, person_id: int | None) -> StepView | None:
        """The step waiting for ``person_id``'s decision, if any."""
        if person_id is None or self.status != ApplicationStatus.PENDING:
            return None
        for step in self.steps:
            if any(p.person_id == person_id and p.status == AssignmentStatus.PENDING
                   for p in step.people):
                return step
        return None

    def is_requester(self, person_id: int | None) -> bool:
        """Whether ``person_id`` speaks for the request: its requester, or the account's
        owner when the system opened it."""
        if person_id is None:
            return False
        if self.requester_id is not None:
            return person_id == self.requester_id
        return person_id == self.owner_id


def load(session: Session, reader: Actor, ref: int | str, now: dt.datetime) -> AppView:
    """The application ``ref`` (id or number) as ``reader`` may see it (refused otherwise)."""
    app = require_application(session, reader, ref)
    unit = session.get(BusinessUnit, app.business_unit_id)
    assert unit is not None
    steps = session.scalars(select(ApprovalStep).where(
        ApprovalStep.application_id == app.id, ApprovalStep.round == app.round)
        .order_by(ApprovalStep.position)).all()
    rows = session.execute(
        select(StepAssignment, Person.name).join(Person, Person.id == StepAssignment.person_id)
        .where(StepAssignment.step_id.in_([s.id for s in steps]))
        .order_by(StepAssignment.position, StepAssignment.id)).all()
    people: dict[int, list[Decider]] = {}
    for a, name in rows:
        people.setdefault(a.step_id, []).append(
            Decider(a.person_id, name, a.status, a.decided_at, a.via, a.comment))
    comments = session.scalars(
        select(TimelineEntry).where(TimelineEntry.application_id == app.id,
                                    TimelineEntry.action == "commented")
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(COMMENTS_SHOWN)).all()
    last = last_transition(session, app.id)
    order = session.get(Order, app.order_id) if app.order_id else None
    requester = (app.requester.name if app.requester is not None
                 else Who.by_rule(app.origin.removeprefix("rule:")).name)
    return AppView(
        id=app.id, number=app.number, kind=app.kind, status=app.status,
        amount=app.requested_amount, valid_from=app.valid_from, valid_to=app.valid_to,
        term_days=app.term_days, reason=app.reason, attachments=tuple(app.attachments or ()),
        order=order.external_id if order else None, snapshot=dict(app.snapshot or {}),
        route=app.route, submitted_at=app.submitted_at, requester_id=app.requester_id,
        requester=requester, owner_id=app.account.owner_id, account_id=app.account_id,
        customer=app.account.customer.legal_name, unit=unit,
        steps=tuple(StepView(s.id, s.position, step_title(s.name, s.role), s.kind, s.status,
                             s.opened_at, s.due_at, tuple(people.get(s.id, ())),
                             s.allow_transfer)
                    for s in steps),
        comments=tuple(Event(c.at, c.actor_name, c.action, c.note) for c in reversed(comments)),
        last=Event(last.at, last.actor_name, last.action, last.note) if last else None,
        now=now)
