"""Reading applications: who may see one, the lists people ask for (mine, pending my
decision, by customer) and the timeline of one application (who did what when, and what is
pending with whom since when)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session, joinedload

from credit_domain.access import Actor, account_scope, refuse
from credit_domain.accounts.models import CreditAccount
from credit_domain.applications.labels import step_title
from credit_domain.applications.models import (
    Application,
    ApplicationStatus,
    ApprovalStep,
    AssignmentStatus,
    StepAssignment,
    TimelineEntry,
)
from credit_domain.customers.models import Customer
from credit_domain.errors import NotFound
from credit_domain.i18n import Text, text_factory
from credit_domain.orgs.models import Person

_ = text_factory("credit_domain")


def find_application(session: Session, ref: int | str) -> Application:
    """An application by id or by number (``APP-2026-000123``, any case), with its account,
    customer and requester, which every view of it names (one statement, not four)."""
    key = str(ref).strip()
    stmt = select(Application).options(
        joinedload(Application.account, innerjoin=True).joinedload(CreditAccount.customer,
                                                                   innerjoin=True),
        joinedload(Application.requester)).where(
        Application.number == key.upper() if not key.isdigit() else Application.id == int(key))
    app = session.scalars(stmt).first()
    if app is None:
        raise NotFound(_("Credit application {ref} does not exist.", ref=key))
    return app


def _involved(actor: Actor) -> ColumnElement[bool]:
    assigned = select(StepAssignment.application_id).where(
        StepAssignment.person_id == actor.person_id)
    return or_(Application.requester_id == actor.person_id, Application.id.in_(assigned))


def visible(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Application` (joined to its account): what ``actor`` may
    see: the accounts in their scope, their own applications, those they are asked to
    decide."""
    return or_(account_scope(actor), _involved(actor)) if not actor.is_system else (
        account_scope(actor))


def can_see_application(session: Session, actor: Actor, app: Application) -> bool:
    return actor.is_system or actor.person_id in (app.cc_person_ids or []) or (
        session.scalar(select(Application.id).join(CreditAccount).where(
            Application.id == app.id, visible(actor))) is not None)


def require_application(session: Session, actor: Actor, ref: int | str, *,
                        action: str = "see") -> Application:
    """The application, if ``actor`` may see it (also when they are only CC'd)."""
    app = find_application(session, ref)
    if not can_see_application(session, actor, app):
        raise refuse(actor, action, f"application:{app.number}",
                     _("You may not see credit application {number}.", number=app.number),
                     business_unit_id=app.business_unit_id)
    return app


# -- lists -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApplicationSummary:
    id: int
    number: str
    kind: str
    status: str
    amount: Decimal
    business_unit_id: int
    account_id: int
    customer: str
    requester_id: int | None
    requester: str | None
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    version: int
    pending_with: tuple[str, ...] = ()


def _summaries(session: Session, stmt: Select[Any], limit: int) -> list[ApplicationSummary]:
    rows = session.execute(
        stmt.add_columns(Customer.legal_name, Person.name)
        .join(CreditAccount, CreditAccount.id == Application.account_id)
        .join(Customer, Customer.id == CreditAccount.customer_id)
        .outerjoin(Person, Person.id == Application.requester_id)
        .order_by(Application.updated_at.desc(), Application.id.desc()).limit(limit)
    ).all()
    ids = [row[0].id for row in rows]
    waiting: dict[int, list[str]] = {}
    for app_id, name in session.execute(
            select(StepAssignment.application_id, Person.name)
            .join(Person, Person.id == StepAssignment.person_id)
            .where(StepAssignment.application_id.in_(ids),
                   StepAssignment.status == AssignmentStatus.PENDING)
            .order_by(StepAssignment.id)):
        waiting.setdefault(app_id, []).append(name)
    return [ApplicationSummary(
        a.id, a.number, a.kind, a.status, a.requested_amount, a.business_unit_id,
        a.account_id, customer, a.requester_id, requester, a.submitted_at, a.decided_at,
        a.version, tuple(waiting.get(a.id, ())))
        for a, customer, requester in rows]


def my_applications(session: Session, actor: Actor, *,
                    statuses: Sequence[ApplicationStatus] | None = None,
                    limit: int = 50) -> list[ApplicationSummary]:
    """Applications the actor requested, newest activity first."""
    stmt = select(Application).where(Application.requester_id == actor.person_id)
    if statuses:
        stmt = stmt.where(Application.status.in_(statuses))
    return _summaries(session, stmt, limit)


def for_customer(session: Session, actor: Actor, account_id: int, *,
                 limit: int = 50) -> list[ApplicationSummary]:
    """Applications of one credit account that the actor may see."""
    stmt = select(Application).where(Application.account_id == account_id,
                                     Application.id.in_(_visible_ids(actor)))
    return _summaries(session, stmt, limit)


def list_applications(session: Session, actor: Actor, *,
                      statuses: Sequence[ApplicationStatus] | None = None,
                      business_unit_id: int | None = None,
                      limit: int = 50) -> list[ApplicationSummary]:
    """Every application the actor may see (optionally by status and unit)."""
    stmt = select(Application).where(Application.id.in_(_visible_ids(actor)))
    if statuses:
        stmt = stmt.where(Application.status.in_(statuses))
    if business_unit_id is not None:
        stmt = stmt.where(Application.business_unit_id == business_unit_id)
    return _summaries(session, stmt, limit)


def _visible_ids(actor: Actor) -> Select[int]:
    return select(Application.id).join(
        CreditAccount, CreditAccount.id == Application.account_id).where(visible(actor))


@dataclass(frozen=True)
class PendingDecision:
    """One decision waiting for a person: the application, the step and since when."""

    application: ApplicationSummary
    step_id: int
    step: Text
    assignment_id: int
    since: dt.datetime | None
    due_at: dt.datetime | None


def pending_for(session: Session, person_id: int, *, limit: int = 50
                ) -> list[PendingDecision]:
    """Decisions waiting for ``person_id``, oldest first."""
    rows = session.execute(
        select(StepAssignment, ApprovalStep)
        .join(ApprovalStep, ApprovalStep.id == StepAssignment.step_id)
        .where(StepAssignment.person_id == person_id,
               StepAssignment.status == AssignmentStatus.PENDING)
        .order_by(StepAssignment.activated_at, StepAssignment.id).limit(limit)).all()
    summaries = {s.id: s for s in _summaries(
        session, select(Application).where(
            Application.id.in_([a.application_id for a, _s in rows])), limit)}
    return [PendingDecision(summaries[a.application_id], step.id,
                            step_title(step.name, step.role), a.id, a.activated_at, step.due_at)
            for a, step in rows]


# -- the timeline -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    round: int
    action: str
    actor_id: int | None
    actor: str
    step: Text | None
    note: str | None
    details: dict[str, Any] | None


@dataclass(frozen=True)
class WaitingOn:
    """A pending decision: which step, with whom, since when, due when."""

    step_id: int
    step_position: int
    step: Text
    kind: str
    assignment_id: int
    person_id: int
    person: str
    via: str
    since: dt.datetime | None
    due_at: dt.datetime | None
    overdue: bool


@dataclass(frozen=True)
class Timeline:
    application: Application
    customer: str
    requester: str | None
    entries: tuple[TimelineItem, ...]
    pending: tuple[WaitingOn, ...]
    upcoming: tuple[tuple[int, Text, tuple[str, ...]], ...]  # later steps: (position, step, people)


def timeline(session: Session, actor: Actor, ref: int | str, now: dt.datetime) -> Timeline:
    """Who did what when on one application, and what is pending with whom since when."""
    app = require_application(session, actor, ref)
    steps = {s.id: s for s in session.scalars(
        select(ApprovalStep).where(ApprovalStep.application_id == app.id))}
    entries = tuple(
        TimelineItem(e.at, e.round, e.action, e.actor_id, e.actor_name,
                     step_title(steps[e.step_id].name, steps[e.step_id].role)
                     if e.step_id in steps else None, e.note, e.details)
        for e in session.scalars(select(TimelineEntry)
                                 .where(TimelineEntry.application_id == app.id)
                                 .order_by(TimelineEntry.at, TimelineEntry.id)))
    rows = session.execute(
        select(StepAssignment, Person.name).join(Person, Person.id == StepAssignment.person_id)
        .where(StepAssignment.application_id == app.id,
               StepAssignment.status.in_((AssignmentStatus.PENDING, AssignmentStatus.WAITING)))
        .order_by(StepAssignment.step_id, StepAssignment.position)).all()
    pending: list[WaitingOn] = []
    later: dict[tuple[int, int], list[str]] = {}
    for a, name in rows:
        s = steps[a.step_id]
        if a.status == AssignmentStatus.PENDING:
            pending.append(WaitingOn(
                s.id, s.position, step_title(s.name, s.role), s.kind, a.id, a.person_id, name,
                a.via, a.activated_at, s.due_at, bool(s.due_at and now >= s.due_at)))
        else:
            later.setdefault((s.position, s.id), []).append(name)
    upcoming = tuple((pos, step_title(steps[sid].name, steps[sid].role), tuple(names))
                     for (pos, sid), names in sorted(later.items()))
    customer = session.scalar(select(Customer.legal_name).join(
        CreditAccount, CreditAccount.customer_id == Customer.id).where(
        CreditAccount.id == app.account_id)) or "?"
    requester = session.get(Person, app.requester_id) if app.requester_id else None
    return Timeline(app, customer, requester.name if requester else None, entries,
                    tuple(pending), upcoming)
