"""Deciding applications: approve, reject, return (退回), transfer (转交), comment, and the
system's decisions for the rules engine.

Each decision locks the application first, then checks that the actor holds a pending
assignment of the step, holds its role in the application's business unit, and is not the
requester. A decision on a step that is no longer pending changes nothing and raises
:class:`~credit_domain.applications.errors.AlreadyDecided` saying who decided and when, so a
double tap, a retried delivery or two approvers tapping at once change state once.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from credit_domain.access import Actor, refuse
from credit_domain.applications import notices
from credit_domain.applications.engine import (
    activate,
    calendar_of,
    close_step,
    lock_application,
    next_in_sequence,
    start_clock,
    step_assignments,
    step_done,
    timezone_of,
    touch,
)
from credit_domain.applications.errors import AlreadyDecided, NotYourTurn
from credit_domain.applications.flow import ask, finish, open_next, send_back, tell_moot
from credit_domain.applications.labels import ROLE_LABELS, label, step_title
from credit_domain.applications.models import (
    Application,
    ApplicationStatus,
    ApprovalStep,
    AssignmentStatus,
    AssignmentVia,
    StepAssignment,
    StepStatus,
)
from credit_domain.applications.records import Who, last_transition, person_names, record
from credit_domain.applications.routing import requester_scope, role_holders
from credit_domain.applications.submission import state_conflict
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import Person, Role
from credit_domain.unit_of_work import PendingMessage, UnitOfWork

_ = text_factory("credit_domain")
DECIDED = (AssignmentStatus.APPROVED, AssignmentStatus.REJECTED, AssignmentStatus.RETURNED)
MAX_TEXT = 2000


def _text(value: str | None, *, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("Please give a reason."))
    if len(text) > MAX_TEXT:
        raise InvalidInput(_("The text is too long (at most {n} characters).", n=MAX_TEXT))
    return text or None


def _step_conflict(uow: UnitOfWork, app: Application, step: ApprovalStep) -> Exception:
    entry = last_transition(uow.session, app.id, step_id=step.id)
    if entry is None:
        return state_conflict(uow, app)
    return AlreadyDecided(app.number, entry.action, entry.actor_name, entry.at, now=uow.now(),
                          timezone=timezone_of(uow.session, app))


def _not_your_turn(uow: UnitOfWork, app: Application) -> NotYourTurn:
    pending = uow.session.scalars(
        select(StepAssignment).join(ApprovalStep, ApprovalStep.id == StepAssignment.step_id)
        .where(StepAssignment.application_id == app.id, ApprovalStep.round == app.round,
               StepAssignment.status == AssignmentStatus.PENDING)).all()
    names = person_names(uow.session, {a.person_id for a in pending})
    return NotYourTurn(_("{number} is still with {names}; it comes to you after them.",
                         number=app.number, names="、".join(names.values()) or "-"))


def my_assignment(uow: UnitOfWork, app: Application, actor: Actor,
                  step_id: int | None, action: str = "decide"
                  ) -> tuple[ApprovalStep, StepAssignment]:
    """The actor's pending assignment on ``app`` (of ``step_id`` when given), or the error
    that says why there is none: already decided (by whom, when), not yet their turn, not an
    approver, or their own application."""
    target = f"application:{app.number}"
    if actor.person_id is not None and actor.person_id == app.requester_id:
        raise refuse(actor, action, target,
                     _("You cannot decide your own application {number}.", number=app.number),
                     business_unit_id=app.business_unit_id)
    stmt = (select(ApprovalStep, StepAssignment)
            .join(StepAssignment, StepAssignment.step_id == ApprovalStep.id)
            .where(ApprovalStep.application_id == app.id,
                   StepAssignment.person_id == actor.person_id)
            .order_by(ApprovalStep.round.desc(), ApprovalStep.position))
    if step_id is not None:
        stmt = stmt.where(ApprovalStep.id == step_id)
    rows = uow.session.execute(stmt).all()
    if not rows and not _may_see(uow, app, actor):
        raise _not_an_approver(app, actor, action)
    if step_id is not None:
        step = uow.session.get(ApprovalStep, step_id)
        if step is None or step.application_id != app.id:
            raise NotFound(_("{number} has no such step.", number=app.number))
        if app.status != ApplicationStatus.PENDING or step.round != app.round or (
                step.status not in (StepStatus.PENDING, StepStatus.WAITING)):
            raise _step_conflict(uow, app, step)
    elif app.status != ApplicationStatus.PENDING:
        raise state_conflict(uow, app)
    current = [(s, a) for s, a in rows if s.round == app.round]
    for step, mine in current:
        if mine.status == AssignmentStatus.PENDING:
            _require_role(app, actor, mine, action)
            return step, mine
    if any(mine.status == AssignmentStatus.WAITING for _s, mine in current):
        raise _not_your_turn(uow, app)
    for step, mine in current:
        if mine.status in DECIDED or mine.status == AssignmentStatus.TRANSFERRED:
            outcome = "transferred" if mine.status == AssignmentStatus.TRANSFERRED else str(
                mine.status)
            raise AlreadyDecided(app.number, outcome, actor.name, mine.decided_at or uow.now(),
                                 now=uow.now(), timezone=timezone_of(uow.session, app))
        if mine.status == AssignmentStatus.CANCELLED:
            raise _step_conflict(uow, app, step)
    raise _not_an_approver(app, actor, action)


def _may_see(uow: UnitOfWork, app: Application, actor: Actor) -> bool:
    """Someone never asked to decide ``app`` learns its state (who decided, when) only if
    they may see it; anyone else is refused before anything about it is said."""
    from credit_domain.applications.queries import can_see_application

    return can_see_application(uow.session, actor, app)


def _not_an_approver(app: Application, actor: Actor, action: str) -> Exception:
    return refuse(actor, action, f"application:{app.number}",
                  _("You are not an approver of {number} at this step.", number=app.number),
                  business_unit_id=app.business_unit_id)


def _require_role(app: Application, actor: Actor, mine: StepAssignment, action: str) -> None:
    if not actor.has_role(app.business_unit_id, Role(mine.role)):
        raise refuse(actor, action, f"application:{app.number}",
                     _("This needs the role {roles} in this business unit.",
                       roles=label(ROLE_LABELS, mine.role)),
                     business_unit_id=app.business_unit_id)


ACTIONS = {AssignmentStatus.APPROVED: "approve", AssignmentStatus.REJECTED: "reject",
           AssignmentStatus.RETURNED: "return_for_info"}


def _decide(uow: UnitOfWork, actor: Actor, application_id: int, step_id: int | None,
            outcome: AssignmentStatus, note: str | None) -> Application:
    app = lock_application(uow, application_id)
    step, mine = my_assignment(uow, app, actor, step_id, ACTIONS[outcome])
    now = uow.now()
    mine.status, mine.decided_at, mine.comment = outcome, now, note
    who = Who.of(actor)
    touch(app, now)
    record(uow, app, str(outcome), who, step=step, note=note)
    if outcome == AssignmentStatus.REJECTED:
        finish(uow, app, ApplicationStatus.REJECTED, who, reason=note,
               step_status=StepStatus.REJECTED)
    elif outcome == AssignmentStatus.RETURNED:
        send_back(uow, app, who, note or "")
    else:
        _after_approval(uow, app, step, mine, who)
    return app


def _after_approval(uow: UnitOfWork, app: Application, step: ApprovalStep,
                    mine: StepAssignment, who: Who) -> None:
    uow.audit("application.step_approved", "application", app.number,
              business_unit_id=app.business_unit_id,
              after={"step": step.position, "role": mine.role, "round": app.round},
              reason=mine.comment)
    if not step_done(uow.session, step, mine):
        following = next_in_sequence(uow.session, step)
        if following is not None:
            start_clock(step, uow.now(), calendar_of(uow.session, app))
            ask(uow, app, step, activate([following], uow.now()))
        return
    moot = close_step(uow.session, step, StepStatus.APPROVED, uow.now())
    tell_moot(uow, app, moot, "approved", who)
    open_next(uow, app, step, who)


def approve(uow: UnitOfWork, actor: Actor, application_id: int, *,
            step_id: int | None = None, comment: str | None = None) -> Application:
    """Approve the actor's pending step of the application. The last approval of the last
    step approves the application and applies its effect in this transaction."""
    note = _text(comment, required=False)
    return _decide(uow, actor, application_id, step_id, AssignmentStatus.APPROVED, note)


def reject(uow: UnitOfWork, actor: Actor, application_id: int, reason: str, *,
           step_id: int | None = None) -> Application:
    """Reject the application (a reason is required). Final; no limit changes."""
    note = _text(reason, required=True)
    return _decide(uow, actor, application_id, step_id, AssignmentStatus.REJECTED, note)


def return_for_info(uow: UnitOfWork, actor: Actor, application_id: int, reason: str, *,
                    step_id: int | None = None) -> Application:
    """退回: send the application back to its requester for more information (a reason is
    required); they may amend and resubmit it, or withdraw it."""
    note = _text(reason, required=True)
    return _decide(uow, actor, application_id, step_id, AssignmentStatus.RETURNED, note)


def transfer(uow: UnitOfWork, actor: Actor, application_id: int, to_person_id: int, *,
             step_id: int | None = None, note: str | None = None) -> StepAssignment:
    """转交: hand the actor's pending assignment to a colleague holding the same role in the
    application's business unit, where the policy allows it. Returns the new assignment."""
    app = lock_application(uow, application_id)
    step, mine = _transferable(uow, actor, app, step_id)
    text = _text(note, required=False)
    target = uow.session.get(Person, to_person_id)
    if target is None or not target.active:
        raise NotFound(_("Person {id} is not enrolled.", id=to_person_id))
    colleagues = {p.id for p in _colleagues(uow, app, step, mine)}
    if target.id not in colleagues:
        raise refuse(actor, "transfer", f"application:{app.number}",
                     _("{name} cannot take this step: they need the role {role} in this "
                       "business unit, must not be the requester, and must not already "
                       "be asked in this step.", name=target.name,
                       role=label(ROLE_LABELS, mine.role)),
                     business_unit_id=app.business_unit_id)
    now = uow.now()
    mine.status, mine.decided_at, mine.comment = AssignmentStatus.TRANSFERRED, now, text
    new = StepAssignment(step_id=step.id, application_id=app.id, person_id=target.id,
                         role=mine.role, position=mine.position, status=AssignmentStatus.PENDING,
                         via=AssignmentVia.TRANSFER, transferred_from_id=mine.id,
                         activated_at=now)
    uow.session.add(new)
    uow.session.flush()
    touch(app, now)
    who = Who.of(actor)
    record(uow, app, "transferred", who, step=step, note=text,
           details={"to_person_id": target.id, "to": target.name})
    uow.audit("application.transferred", "application", app.number,
              business_unit_id=app.business_unit_id,
              before={"step": step.position, "person_id": actor.person_id},
              after={"step": step.position, "person_id": target.id}, reason=text)
    ask(uow, app, step, [new], note=_("Transferred to you by {name}.", name=actor.name))
    notices.to_requester(uow, app, "application.transferred",
                         _("{number}: {name} transferred {step} to {target}", number=app.number,
                           name=actor.name, step=step_title(step.name, step.role),
                           target=target.name))
    return new


def _colleagues(uow: UnitOfWork, app: Application, step: ApprovalStep,
                mine: StepAssignment) -> list[Person]:
    """Who may take ``mine`` over: the same role in the business unit, not the requester, not
    already asked in this step."""
    scope = requester_scope(uow.session, app.account, app.requester_id)
    taken = {a.person_id for a in step_assignments(uow.session, step)}
    return list(role_holders(uow.session, scope, Role(mine.role), unit_wide=True,
                             exclude=taken))


class Colleague(NamedTuple):
    person_id: int
    name: str
    email: str | None


def _transferable(uow: UnitOfWork, actor: Actor, app: Application, step_id: int | None
                  ) -> tuple[ApprovalStep, StepAssignment]:
    """The actor's pending step of ``app`` and their assignment in it, when the policy lets
    them hand it on; else the error that says why not."""
    step, mine = my_assignment(uow, app, actor, step_id, "transfer")
    if not step.allow_transfer:
        raise refuse(actor, "transfer", f"application:{app.number}",
                     _("The approval policy does not allow transferring this step."),
                     business_unit_id=app.business_unit_id)
    return step, mine


def transfer_candidates(uow: UnitOfWork, actor: Actor, application_id: int, *,
                        step_id: int | None = None) -> list[Colleague]:
    """The colleagues the actor may hand their pending step to (by name), or the error that
    says why they cannot transfer it (not theirs, already decided, the policy forbids it)."""
    app = uow.session.get(Application, application_id)
    if app is None:
        raise NotFound(_("Application {id} does not exist.", id=application_id))
    step, mine = _transferable(uow, actor, app, step_id)
    return sorted((Colleague(p.id, p.name, p.email) for p in _colleagues(uow, app, step, mine)),
                  key=lambda c: c.name)


def comment(uow: UnitOfWork, actor: Actor, application_id: int, text: str) -> None:
    """Add a comment to the timeline and tell the requester and the pending approvers."""
    from credit_domain.applications.queries import require_application

    body = _text(text, required=True)
    app = lock_application(uow, application_id)
    require_application(uow.session, actor, app.id, action="comment")
    entry = record(uow, app, "commented", Who.of(actor), note=body)
    uow.session.flush()
    uow.audit("application.commented", "application", app.number,
              business_unit_id=app.business_unit_id, reason=body)
    pending = uow.session.scalars(select(StepAssignment.person_id).where(
        StepAssignment.application_id == app.id,
        StepAssignment.status == AssignmentStatus.PENDING)).all()
    readers = [notices.requester_recipient(app), *pending]
    notices.to_people(uow, app, [p for p in readers if p != actor.person_id],
                      "application.commented",
                      _("{name} commented on {number}", name=actor.name, number=app.number),
                      lines=[notices.plain(body)], key=f"c{entry.id}", audience="reader")


RULE_OUTCOMES = {"approved": ApplicationStatus.APPROVED, "rejected": ApplicationStatus.REJECTED,
                 "returned": ApplicationStatus.RETURNED}


def decide_by_rule(uow: UnitOfWork, application_id: int, outcome: str, reason: str,
                   rule_name: str) -> Application:
    """A system decision for the rules engine: approve (the effect applies), reject or
    return a pending application, recorded as made by the rule. Approval requests queued
    in this same transaction (a rule reacting to ApplicationSubmitted) are not sent."""
    if outcome not in RULE_OUTCOMES:
        raise InvalidInput(_("A rule decides approved, rejected or returned, not {outcome}.",
                             outcome=outcome))
    why = _text(reason, required=True) or ""
    app = lock_application(uow, application_id)
    if app.status != ApplicationStatus.PENDING:
        raise state_conflict(uow, app)
    who = Who.by_rule(rule_name)
    never_asked = _unsent(uow, app, "application.pending_approval")
    step = uow.session.scalars(select(ApprovalStep).where(
        ApprovalStep.application_id == app.id, ApprovalStep.round == app.round,
        ApprovalStep.status == StepStatus.PENDING)).first()
    record(uow, app, outcome, who, step=step, note=why, details={"rule": rule_name})
    if outcome == "returned":
        send_back(uow, app, who, why)
    else:
        finish(uow, app, RULE_OUTCOMES[outcome], who, reason=why,
               step_status=StepStatus(outcome))
    _unsent(uow, app, "application.no_longer_pending", only=never_asked)
    return app


def _unsent(uow: UnitOfWork, app: Application, kind: str,
            only: set[int] | None = None) -> set[int]:
    """Drop messages of ``kind`` about ``app`` not yet written to the outbox (to ``only``
    these people when given); return the people they were for."""
    def matches(m: PendingMessage) -> bool:
        return (m.kind == kind and m.payload.get("application_id") == app.id
                and (only is None or m.person_id in only))

    dropped = {m.person_id for m in uow.messages if matches(m) and m.person_id is not None}
    uow.messages[:] = [m for m in uow.messages if not matches(m)]
    return dropped
