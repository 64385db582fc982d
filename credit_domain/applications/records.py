"""What the workflow writes down: timeline entries, who did the last transition, and the
documented credit decision with the full step history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.access import Actor
from credit_domain.applications.models import (
    Application,
    ApprovalStep,
    StepAssignment,
    TimelineEntry,
)
from credit_domain.orgs.models import Person
from credit_domain.unit_of_work import ActorRef, UnitOfWork

TRANSITIONS = ("submitted", "resubmitted", "approved", "rejected", "returned", "withdrawn")


@dataclass(frozen=True)
class Who:
    """Who acts: a person, or the system (a rule) with a readable name."""

    person_id: int | None
    name: str
    rule: str | None = None

    @classmethod
    def of(cls, actor: Actor) -> Who:
        return cls(actor.person_id, actor.name)

    @classmethod
    def by_rule(cls, rule_name: str) -> Who:
        return cls(None, f"creditbot ({rule_name})", rule_name)

    @property
    def ref(self) -> ActorRef:
        """The audit trail's actor."""
        if self.person_id is not None:
            return ActorRef.person(self.person_id, self.name)
        return ActorRef.system(f"rule:{self.rule}" if self.rule else self.name)


def record(uow: UnitOfWork, app: Application, action: str, who: Who, *,
           step: ApprovalStep | None = None, note: str | None = None,
           details: dict[str, Any] | None = None) -> TimelineEntry:
    """Append a timeline entry to ``app``."""
    entry = TimelineEntry(
        application_id=app.id, round=app.round, step_id=step.id if step else None,
        at=uow.now(), actor_id=who.person_id, actor_name=who.name, action=action, note=note,
        details=details,
    )
    uow.session.add(entry)
    return entry


def last_transition(session: Session, application_id: int, *, step_id: int | None = None,
                    actions: tuple[str, ...] = TRANSITIONS) -> TimelineEntry | None:
    """The newest timeline entry among ``actions`` (of one step when ``step_id``)."""
    stmt = (select(TimelineEntry)
            .where(TimelineEntry.application_id == application_id,
                   TimelineEntry.action.in_(actions))
            .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(1))
    if step_id is not None:
        stmt = stmt.where(TimelineEntry.step_id == step_id)
    return session.scalars(stmt).first()


def person_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())


def step_history(session: Session, application_id: int) -> list[dict[str, Any]]:
    """Every step of every round with each assignment and its decision."""
    steps = session.scalars(
        select(ApprovalStep).where(ApprovalStep.application_id == application_id)
        .order_by(ApprovalStep.round, ApprovalStep.position)).all()
    assignments = session.scalars(
        select(StepAssignment).where(StepAssignment.application_id == application_id)
        .order_by(StepAssignment.step_id, StepAssignment.position, StepAssignment.id)).all()
    names = person_names(session, {a.person_id for a in assignments})
    by_step: dict[int, list[dict[str, Any]]] = {}
    for a in assignments:
        by_step.setdefault(a.step_id, []).append({
            "person_id": a.person_id, "name": names.get(a.person_id, "?"), "role": a.role,
            "via": a.via, "status": a.status, "decided_at": _iso(a.decided_at),
            "comment": a.comment})
    return [{
        "round": s.round, "position": s.position, "name": s.name, "role": s.role,
        "kind": s.kind, "rule": s.rule, "condition": s.condition, "status": s.status,
        "opened_at": _iso(s.opened_at), "due_at": _iso(s.due_at),
        "closed_at": _iso(s.closed_at), "escalated_at": _iso(s.escalated_at),
        "assignments": by_step.get(s.id, []),
    } for s in steps]


def decision_record(session: Session, app: Application, outcome: str, who: Who,
                    at: dt.datetime, effect: dict[str, Any] | None,
                    reason: str | None = None) -> dict[str, Any]:
    """The documented credit decision: what was asked, on which facts, by which route,
    what was decided by whom, the effect, and every step of every round."""
    return {
        "number": app.number, "outcome": outcome, "decided_at": at.isoformat(),
        "decided_by": who.name, "decided_by_id": who.person_id, "reason": reason,
        "kind": app.kind, "requested_amount": str(app.requested_amount),
        "valid_from": _iso(app.valid_from), "valid_to": _iso(app.valid_to),
        "term_days": app.term_days, "route": app.route, "policy_version": app.policy_version,
        "snapshot": app.snapshot, "effect": effect, "steps": step_history(session, app.id),
    }


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
