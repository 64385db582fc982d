"""Transitions shared by the services: open the next step, finish an application (approved,
rejected, withdrawn) or send it back, each with its timeline entry, audit event, domain
event and notifications."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from credit_domain.applications import notices
from credit_domain.applications.effects import apply_effect
from credit_domain.applications.engine import (
    calendar_of,
    close_round,
    next_step,
    open_step,
    timezone_of,
    touch,
)
from credit_domain.applications.errors import AlreadyDecided
from credit_domain.applications.labels import step_title
from credit_domain.applications.models import (
    Application,
    ApplicationStatus,
    ApprovalStep,
    StepAssignment,
    StepStatus,
)
from credit_domain.applications.records import Who, decision_record, person_names, record
from credit_domain.events import ApplicationDecided
from credit_domain.i18n import Text, text_factory
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")


def requester_name(uow: UnitOfWork, app: Application) -> str:
    if app.requester_id is None:
        return Who.by_rule(app.origin.removeprefix("rule:")).name
    return person_names(uow.session, {app.requester_id}).get(app.requester_id, "?")


def step_count(uow: UnitOfWork, app: Application) -> int:
    return int(uow.session.scalar(
        select(func.count()).select_from(ApprovalStep)
        .where(ApprovalStep.application_id == app.id, ApprovalStep.round == app.round)) or 0)


def ask(uow: UnitOfWork, app: Application, step: ApprovalStep,
        assignments: Sequence[StepAssignment], note: Text | None = None, *,
        steps: int | None = None) -> None:
    """Ask newly pending approvers for their decision (``steps``: how many steps the round
    has, when the caller knows)."""
    notices.pending_approval(
        uow, app, step, assignments, requester_name=requester_name(uow, app),
        step_count=step_count(uow, app) if steps is None else steps,
        timezone=timezone_of(uow.session, app), note=note)


def with_whom(uow: UnitOfWork, step: ApprovalStep, pending: Sequence[StepAssignment]) -> Text:
    names = person_names(uow.session, {a.person_id for a in pending})
    return _("Now with {names} ({step}).", names="、".join(names[a.person_id] for a in pending),
             step=step_title(step.name, step.role))


def tell_moot(uow: UnitOfWork, app: Application, moot: Sequence[StepAssignment],
              outcome: str, who: Who) -> None:
    """Tell approvers whose card no longer needs them what happened instead."""
    if not moot:
        return
    why = AlreadyDecided(app.number, outcome, who.name, uow.now(), now=uow.now(),
                         timezone=timezone_of(uow.session, app)).message
    notices.to_people(uow, app, [a.person_id for a in moot if a.person_id != who.person_id],
                      "application.no_longer_pending",
                      _("{number} no longer needs your decision", number=app.number),
                      lines=[why], audience="approver", outcome=outcome, decided_by=who.name)


def open_next(uow: UnitOfWork, app: Application, after: ApprovalStep, who: Who) -> bool:
    """After ``after`` was approved: open the next step, or approve the application.
    Returns True when the application is now approved."""
    step = next_step(uow.session, app, after)
    if step is None:
        finish(uow, app, ApplicationStatus.APPROVED, who)
        return True
    pending = open_step(uow.session, step, uow.now(), calendar_of(uow.session, app))
    ask(uow, app, step, pending)
    notices.to_requester(
        uow, app, "application.progress",
        _("{number}: {name} approved {step}", number=app.number, name=who.name,
          step=step_title(after.name, after.role)),
        lines=[with_whom(uow, step, pending)])
    return False


_OUTCOME_TITLES: dict[str, Text] = {
    "approved": _("{number} approved: {summary}"),
    "rejected": _("{number} rejected by {name}"),
    "withdrawn": _("{number} withdrawn by {name}"),
}
_TONES = {"approved": "ok", "rejected": "danger", "withdrawn": "info"}


def finish(uow: UnitOfWork, app: Application, outcome: ApplicationStatus, who: Who, *,
           reason: str | None = None, step_status: StepStatus = StepStatus.CANCELLED) -> None:
    """Close the application with ``outcome``: the pending step closes as ``step_status``
    and steps not reached are cancelled; apply the effect when approved, write the
    documented decision, audit it, publish ApplicationDecided and tell everyone concerned."""
    now = uow.now()
    before = app.status
    moot = close_round(uow.session, app, step_status, now)
    effect = apply_effect(uow, app) if outcome == ApplicationStatus.APPROVED else None
    app.status, app.decided_at, app.decided_by_id = outcome, now, who.person_id
    touch(app, now)
    if effect is not None:
        record(uow, app, "effect_applied", who, details=effect)
    app.decision = decision_record(uow.session, app, outcome.value, who, now, effect, reason)
    uow.audit(f"application.{outcome.value}", "application", app.number,
              business_unit_id=app.business_unit_id, before={"status": before},
              after=app.decision, reason=reason, actor=who.ref)
    uow.publish(ApplicationDecided(app.business_unit_id, app.id, app.account_id, outcome.value,
                                   who.person_id))
    template = _OUTCOME_TITLES[outcome.value]
    title = Text(template.msgid, template.package,
                 {"number": app.number, "name": who.name, "summary": notices.summary(app)})
    lines = [_("Reason: {reason}", reason=reason)] if reason else []
    tone = _TONES[outcome.value]
    if who.person_id is None or who.person_id != notices.requester_recipient(app):
        notices.to_requester(uow, app, f"application.{outcome.value}", title, tone=tone,
                             lines=lines)
    notices.to_cc(uow, app, f"application.{outcome.value}", title, tone=tone, lines=lines)
    tell_moot(uow, app, moot, outcome.value, who)


def send_back(uow: UnitOfWork, app: Application, who: Who, reason: str) -> None:
    """退回: the pending step is returned, later steps cancelled; the requester may amend
    and resubmit, or withdraw."""
    now = uow.now()
    moot = close_round(uow.session, app, StepStatus.RETURNED, now)
    app.status = ApplicationStatus.RETURNED
    touch(app, now)
    uow.audit("application.returned", "application", app.number,
              business_unit_id=app.business_unit_id, before={"status": "pending"},
              after={"status": "returned", "round": app.round}, reason=reason, actor=who.ref)
    notices.to_requester(
        uow, app, "application.returned",
        _("{number} returned by {name} for more information", number=app.number,
          name=who.name),
        tone="warn", lines=[_("Reason: {reason}", reason=reason),
                            _("Amend and resubmit it, or withdraw it.")])
    tell_moot(uow, app, moot, "returned", who)
