"""Approval SLAs in business hours of each unit's calendar (China's public holidays and
make-up workdays for CN units): which steps are due for a reminder, which are breached and
to whom they escalate, and the services that remind and escalate, each at most once per
step (per approver's turn for sequential steps).

The scheduler calls :func:`run_sla_checks` on each tick (or :func:`sla_status` and then
:func:`send_reminder` / :func:`escalate` itself, one transaction per step).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from credit_domain.applications import notices
from credit_domain.applications.engine import (
    lock_application,
    step_assignments,
    timezone_of,
    touch,
)
from credit_domain.applications.flow import ask
from credit_domain.applications.labels import step_title
from credit_domain.applications.models import (
    Application,
    ApplicationStatus,
    ApprovalStep,
    AssignmentStatus,
    AssignmentVia,
    StepAssignment,
    StepStatus,
)
from credit_domain.applications.records import Who, person_names, record
from credit_domain.applications.routing import requester_scope, role_holders
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import Role
from credit_domain.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from credit_domain.bootstrap import Domain

_ = text_factory("credit_domain")
log = logging.getLogger(__name__)
SLA = Who(None, "creditbot (SLA)", "sla")


@dataclass(frozen=True)
class SlaItem:
    """A pending step that needs the scheduler: ``state`` is ``reminder_due`` or
    ``breached`` (breached steps escalate to ``escalate_to`` people)."""

    step_id: int
    application_id: int
    number: str
    business_unit_id: int
    state: str
    remind_at: dt.datetime | None
    due_at: dt.datetime | None
    pending_person_ids: tuple[int, ...]
    escalate_to_role: str | None
    escalate_to_person_ids: tuple[int, ...] = field(default=())


def _due_steps(session: Session, now: dt.datetime) -> list[tuple[ApprovalStep, Application]]:
    return list(session.execute(
        select(ApprovalStep, Application)
        .join(Application, Application.id == ApprovalStep.application_id)
        .where(Application.status == ApplicationStatus.PENDING,
               ApprovalStep.round == Application.round,
               ApprovalStep.status == StepStatus.PENDING,
               or_(and_(ApprovalStep.remind_at <= now, ApprovalStep.reminded_at.is_(None)),
                   and_(ApprovalStep.due_at <= now, ApprovalStep.escalated_at.is_(None))))
        .order_by(ApprovalStep.due_at, ApprovalStep.id)))


def escalation_targets(session: Session, app: Application, step: ApprovalStep) -> list[int]:
    """Holders of the step's escalation role for the application's requester, excluding the
    requester and anyone already asked in the step."""
    if step.escalate_to is None:
        return []
    taken = {a.person_id for a in step_assignments(session, step)}
    scope = requester_scope(session, app.account, app.requester_id)
    return [p.id for p in role_holders(session, scope, Role(step.escalate_to), exclude=taken)]


def sla_status(session: Session, now: dt.datetime) -> list[SlaItem]:
    """Steps due for a reminder and steps breached (not yet escalated), with who is pending
    and to whom a breached step escalates."""
    due = _due_steps(session, now)
    pending: dict[int, list[int]] = {}
    for step_id, person_id in session.execute(
            select(StepAssignment.step_id, StepAssignment.person_id)
            .where(StepAssignment.step_id.in_([s.id for s, _a in due]),
                   StepAssignment.status == AssignmentStatus.PENDING)
            .order_by(StepAssignment.id)):
        pending.setdefault(step_id, []).append(person_id)
    items = []
    for step, app in due:
        breached = step.due_at is not None and step.due_at <= now and step.escalated_at is None
        items.append(SlaItem(
            step.id, app.id, app.number, app.business_unit_id,
            "breached" if breached else "reminder_due", step.remind_at, step.due_at,
            tuple(pending.get(step.id, ())), step.escalate_to,
            tuple(escalation_targets(session, app, step)) if breached else ()))
    return items


def _step_due(uow: UnitOfWork, step_id: int, when: str, done: str
              ) -> tuple[Application, ApprovalStep] | None:
    """The step, locked with its application, if it is still pending, its ``when`` time
    has come and ``done`` is not yet recorded; otherwise None."""
    step = uow.session.get(ApprovalStep, step_id)
    if step is None:
        return None
    app = lock_application(uow, step.application_id)
    uow.session.refresh(step)
    at = getattr(step, when)
    if (app.status != ApplicationStatus.PENDING or step.round != app.round
            or step.status != StepStatus.PENDING or getattr(step, done) is not None
            or at is None or at > uow.now()):
        return None
    return app, step


def _pending_people(uow: UnitOfWork, step: ApprovalStep) -> list[int]:
    return [a.person_id for a in step_assignments(uow.session, step)
            if a.status == AssignmentStatus.PENDING]


def send_reminder(uow: UnitOfWork, step_id: int) -> bool:
    """Remind the step's pending approvers once its reminder time has come. Returns False
    (and changes nothing) when already reminded, not yet due, or no longer pending."""
    found = _step_due(uow, step_id, "remind_at", "reminded_at")
    if found is None:
        return False
    app, step = found
    step.reminded_at = uow.now()
    people = _pending_people(uow, step)
    record(uow, app, "reminded", SLA, step=step, details={"person_ids": people})
    tz = timezone_of(uow.session, app)
    notices.to_people(
        uow, app, people, "application.reminder",
        _("Reminder: {number} awaits your decision", number=app.number), tone="warn",
        lines=[notices.summary(app),
               _("{step} is due {due}.", step=step_title(step.name, step.role),
                 due=notices.local_time(step.due_at, tz))],
        key=f"step{step.id}:remind:{step.clock_started_at:%Y%m%d%H%M%S}",
        audience="approver", step_id=step.id)
    return True


def escalate(uow: UnitOfWork, step_id: int) -> bool:
    """Escalate a breached step once: holders of its escalation role are asked and may
    decide the step in place of the late approvers; the requester and the late approvers
    are told. Returns False (and changes nothing) when not breached or already escalated."""
    found = _step_due(uow, step_id, "due_at", "escalated_at")
    if found is None:
        return False
    app, step = found
    now = uow.now()
    step.escalated_at = now
    step.reminded_at = step.reminded_at or now
    late = _pending_people(uow, step)
    targets = escalation_targets(uow.session, app, step)
    added = []
    for i, person_id in enumerate(targets, start=1):
        a = StepAssignment(step_id=step.id, application_id=app.id, person_id=person_id,
                           role=step.escalate_to or step.role, position=1000 + i,
                           status=AssignmentStatus.PENDING, via=AssignmentVia.ESCALATION,
                           activated_at=now)
        uow.session.add(a)
        added.append(a)
    uow.session.flush()
    touch(app, now)
    names = person_names(uow.session, set(targets))
    record(uow, app, "escalated", SLA, step=step,
           details={"to": [names[p] for p in targets], "late_person_ids": late})
    uow.audit("application.escalated", "application", app.number,
              business_unit_id=app.business_unit_id, actor=SLA.ref,
              after={"step": step.position, "escalated_to": targets, "late": late})
    tz = timezone_of(uow.session, app)
    overdue = _("{step} was due {due}.", step=step_title(step.name, step.role),
                due=notices.local_time(step.due_at, tz))
    if added:
        ask(uow, app, step, added, note=overdue)
    title = _("{number} is overdue and escalated to {names}", number=app.number,
              names="、".join(names.values()) or "-")
    notices.to_people(uow, app, [*late, notices.requester_recipient(app)],
                      "application.escalated", title, tone="warn", lines=[overdue],
                      audience="reader", step_id=step.id)
    return True


@dataclass
class SlaReport:
    reminded: int = 0
    escalated: int = 0
    failed: list[str] = field(default_factory=list)


def run_sla_checks(domain: Domain) -> SlaReport:
    """Remind and escalate every step that needs it now, one transaction per step; a failing
    step is logged and reported, and the others go ahead."""
    with domain.read() as session:
        items = sla_status(session, domain.clock.now())
    report = SlaReport()
    for item in items:
        try:
            with domain.uow() as uow:
                done = (escalate(uow, item.step_id) if item.state == "breached"
                        else send_reminder(uow, item.step_id))
                uow.commit()
        except Exception as exc:  # one step's failure must not stop the others
            log.exception("SLA check of %s step %s failed", item.number, item.step_id)
            report.failed.append(f"{item.number} step {item.step_id}: {exc}")
            continue
        if done and item.state == "breached":
            report.escalated += 1
        elif done:
            report.reminded += 1
    return report
