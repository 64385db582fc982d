"""The step engine: lay out a round from a route plan, open steps, close them, and finish an
application. The services in ``submission`` and ``decisions`` call these under the
application's row lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session, joinedload

from credit_domain.accounts.models import CreditAccount
from credit_domain.applications.models import (
    Application,
    ApprovalStep,
    AssignmentStatus,
    StepAssignment,
    StepKind,
    StepStatus,
)
from credit_domain.applications.routing import RoutePlan
from credit_domain.errors import NotFound
from credit_domain.i18n import text_factory
from credit_domain.orgs.calendar import BusinessCalendar
from credit_domain.orgs.models import BusinessUnit
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")
OPEN_ASSIGNMENTS = (AssignmentStatus.WAITING, AssignmentStatus.PENDING)


def lock_application(uow: UnitOfWork, application_id: int) -> Application:
    """Load an application for update: a row lock on PostgreSQL (SQLite's write transaction
    already holds the database's write lock), with fresh values, and its account and
    customer, which a decision's notices name (two statements fewer while the lock is held)."""
    stmt = select(Application).options(
        joinedload(Application.account, innerjoin=True).joinedload(CreditAccount.customer,
                                                                   innerjoin=True),
    ).where(Application.id == application_id)
    if uow.session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=Application)
    try:
        return uow.session.scalars(stmt.execution_options(populate_existing=True)).one()
    except NoResultFound:
        raise NotFound(_("Credit application {id} does not exist.", id=application_id)) from None


def touch(app: Application, now: dt.datetime) -> None:
    """Mark a transition: the version guard moves on."""
    app.version += 1
    app.updated_at = now


def calendar_of(session: Session, app: Application) -> BusinessCalendar:
    return BusinessCalendar.for_unit(session, session.get(BusinessUnit, app.business_unit_id))


def timezone_of(session: Session, app: Application) -> str:
    bu = session.get(BusinessUnit, app.business_unit_id)
    return bu.timezone if bu else "Asia/Shanghai"


def lay_out_round(uow: UnitOfWork, app: Application, plan: RoutePlan) -> list[ApprovalStep]:
    """Store the plan's steps and assignments (all waiting) for ``app.round``: one flush
    inserts them all, each step's assignments through its relationship."""
    steps = []
    for planned in plan.steps:
        s = planned.settings
        step = ApprovalStep(
            application_id=app.id, round=app.round, position=planned.position, name=s.name,
            role=s.role.value, kind=s.kind, status=StepStatus.WAITING, rule=planned.rule,
            condition=planned.condition, sla_hours=s.sla_hours,
            remind_after_hours=s.remind_after_hours,
            escalate_to=s.escalate_to.value if s.escalate_to else None,
            allow_transfer=s.allow_transfer)
        role = s.role.value if planned.via == "route" else (s.escalate_to or s.role).value
        step.assignments.extend(
            StepAssignment(application_id=app.id, person_id=person.id, role=role, position=i,
                           status=AssignmentStatus.WAITING, via=planned.via)
            for i, person in enumerate(planned.approvers, start=1))
        uow.session.add(step)
        steps.append(step)
    uow.session.flush()
    return steps


def round_steps(session: Session, app: Application) -> list[ApprovalStep]:
    return list(session.scalars(
        select(ApprovalStep).where(ApprovalStep.application_id == app.id,
                                   ApprovalStep.round == app.round)
        .order_by(ApprovalStep.position)))


def step_assignments(session: Session, step: ApprovalStep) -> list[StepAssignment]:
    return list(session.scalars(
        select(StepAssignment).where(StepAssignment.step_id == step.id)
        .order_by(StepAssignment.position, StepAssignment.id)))


def start_clock(step: ApprovalStep, now: dt.datetime, calendar: BusinessCalendar) -> None:
    """Start the step's SLA clock in business hours of the unit's calendar."""
    step.clock_started_at = now
    step.remind_at = calendar.add_business_hours(now, step.remind_after_hours)
    step.due_at = calendar.add_business_hours(now, step.sla_hours)
    step.reminded_at = step.escalated_at = None


def activate(assignments: Iterable[StepAssignment], now: dt.datetime) -> list[StepAssignment]:
    out = []
    for a in assignments:
        a.status, a.activated_at = AssignmentStatus.PENDING, now
        out.append(a)
    return out


def open_step(session: Session, step: ApprovalStep, now: dt.datetime,
              calendar: BusinessCalendar) -> list[StepAssignment]:
    """Open a waiting step; return the assignments now pending (the first one only for a
    sequential step)."""
    step.status, step.opened_at = StepStatus.PENDING, now
    start_clock(step, now, calendar)
    waiting = [a for a in step_assignments(session, step) if a.status == AssignmentStatus.WAITING]
    return activate(waiting[:1] if step.kind == StepKind.SEQUENTIAL else waiting, now)


def close_step(session: Session, step: ApprovalStep, status: StepStatus,
               now: dt.datetime) -> list[StepAssignment]:
    """Close a step; cancel its assignments still open and return those that were pending
    (their cards are now moot)."""
    step.status, step.closed_at = status, now
    moot = []
    for a in step_assignments(session, step):
        if a.status in OPEN_ASSIGNMENTS:
            if a.status == AssignmentStatus.PENDING:
                moot.append(a)
            a.status = AssignmentStatus.CANCELLED
    return moot


def close_round(session: Session, app: Application, status: StepStatus,
                now: dt.datetime) -> list[StepAssignment]:
    """Close every open step of the current round (``status`` for the pending one,
    cancelled for those not reached); return the assignments that were pending."""
    moot: list[StepAssignment] = []
    for step in round_steps(session, app):
        if step.status == StepStatus.PENDING:
            moot += close_step(session, step, status, now)
        elif step.status == StepStatus.WAITING:
            moot += close_step(session, step, StepStatus.CANCELLED, now)
    return moot


def step_done(session: Session, step: ApprovalStep, decided: StepAssignment) -> bool:
    """After ``decided`` approved: is the step approved as a whole?"""
    if step.kind == StepKind.OR_SIGN or decided.via == "escalation":
        return True
    rest = [a for a in step_assignments(session, step)
            if a.id != decided.id and a.status in OPEN_ASSIGNMENTS]
    # An escalation assignee still pending does not hold a countersign step open.
    return all(a.via == "escalation" for a in rest)


def next_in_sequence(session: Session, step: ApprovalStep) -> StepAssignment | None:
    if step.kind != StepKind.SEQUENTIAL:
        return None
    return next((a for a in step_assignments(session, step)
                 if a.status == AssignmentStatus.WAITING), None)


def next_step(session: Session, app: Application, after: ApprovalStep) -> ApprovalStep | None:
    return next((s for s in round_steps(session, app)
                 if s.position > after.position and s.status == StepStatus.WAITING), None)
