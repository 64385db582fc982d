"""What a rule's actions do, and how each describes itself (for the firing record and for
``creditbot rules simulate``, which only describes).

Actions that need the approval workflow (open an application, approve or reject one, change a
limit or grade "via application") go through the workflow's ports; while a port is not
connected they record ``not_available`` instead of doing nothing silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from credit_domain.access import Actor
from credit_domain.accounts.holds import place_hold, release_hold
from credit_domain.accounts.models import CreditAccount
from credit_domain.errors import InvalidInput
from credit_domain.events import DomainEvent, LimitChanged, ScoreChanged
from credit_domain.i18n import Text, text_factory
from credit_domain.money import money
from credit_domain.orgs.models import BusinessUnit, Person, Role, RoleAssignment
from credit_domain.policy.expr import is_number
from credit_domain.rules.policy import (
    ApproveApplication,
    Message,
    Note,
    Notify,
    OpenApplication,
    PlaceHold,
    RejectApplication,
    ReleaseHold,
    Rule,
    RulesPolicy,
    SetGrade,
    SetLimit,
    show,
)
from credit_domain.unit_of_work import ActorRef, UnitOfWork
from credit_domain.workflow_hooks import DECIDE_APPLICATION, OPEN_APPLICATION, hook

_ = text_factory("credit_domain")


@dataclass(frozen=True)
class Outcome:
    action: str
    status: str  # done | unchanged | not_available | failed
    detail: Text

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "status": self.status, "detail": self.detail.to_json()}


@dataclass
class Firing:
    """A rule firing on one event: everything an action needs."""

    uow: UnitOfWork | None  # None when simulating
    ports: dict[str, Any]
    policy: RulesPolicy
    rule: Rule
    event: DomainEvent
    bu: BusinessUnit
    account: CreditAccount
    ctx: Mapping[str, Any]

    @property
    def source(self) -> str:
        return f"rule:{self.rule.name}"

    @property
    def actor(self) -> ActorRef:
        return ActorRef.system(self.source)

    def text(self, message: Message, locale: str | None = None) -> str:
        return message.render(locale or self.bu.locale, {**self.ctx, "rule": self.rule.name})

    def live(self) -> UnitOfWork:
        assert self.uow is not None, "a simulation never executes actions"
        return self.uow


def new_grade(policy: RulesPolicy, current: str | None, grade: str | None,
              notch: int | None) -> str | None:
    """The grade an action asks for: a given grade, or ``notch`` steps up (+) or down (−)
    the policy's scale from the current one (None when there is nothing to move)."""
    if grade is not None:
        return grade
    scale = policy.grade_scale
    if current not in scale or notch is None:
        return None
    index = min(max(scale.index(current) - notch, 0), len(scale) - 1)
    return scale[index]


def evaluate_amount(firing: Firing, expression: Any) -> Decimal:
    value = expression.evaluate(firing.ctx)
    if not is_number(value):
        raise InvalidInput(_("{expression} does not give an amount.",
                             expression=expression.source))
    amount = money(Decimal(value))
    if amount < 0:
        raise InvalidInput(_("{expression} gives a negative amount.",
                             expression=expression.source))
    return amount


# -- describing ---------------------------------------------------------------------------
def _kind(kind: str) -> Text:
    return {"increase": _("limit increase"), "decrease": _("limit decrease"),
            "temporary": _("temporary limit"), "grade": _("grade change")}[kind]


def _via(via: str) -> Text:
    return _("directly") if via == "direct" else _("by application")


def describe(action: Any, f: Firing) -> Text:
    """What ``action`` does (or would do) on this firing, in words."""
    if isinstance(action, Notify):
        who = ", ".join([*action.to, *(f"#{c}" for c in action.channels)])
        return _("tell {who}: {message}", who=who, message=f.text(action.message))
    if isinstance(action, PlaceHold):
        return _("put {customer} on credit hold: {reason}", customer=f.account.customer.legal_name,
                 reason=f.text(action.reason))
    if isinstance(action, ReleaseHold):
        return _("release the credit hold of {customer}: {reason}",
                 customer=f.account.customer.legal_name, reason=f.text(action.reason))
    if isinstance(action, SetGrade):
        grade = new_grade(f.policy, f.account.grade, action.grade, action.notch)
        return _("grade {old} → {new} ({via}): {reason}", old=f.account.grade or "-",
                 new=grade or "-", via=_via(action.via), reason=f.text(action.reason))
    if isinstance(action, SetLimit):
        return _("limit {old} → {new} ({via}): {reason}", old=f.account.credit_limit,
                 new=evaluate_amount(f, action.limit), via=_via(action.via),
                 reason=f.text(action.reason))
    if isinstance(action, OpenApplication):
        amount = evaluate_amount(f, action.amount) if action.amount is not None else None
        return _("open a suggested {kind} application ({target}): {reason}",
                 kind=_kind(action.kind),
                 target=show(amount, f.bu.locale) if amount is not None else "-",
                 reason=f.text(action.reason))
    if isinstance(action, RejectApplication):
        return _("reject application {id}: {reason}", id=f.ctx.get("application_id"),
                 reason=f.text(action.reason))
    if isinstance(action, ApproveApplication):
        return _("approve application {id}: {reason}", id=f.ctx.get("application_id"),
                 reason=f.text(action.reason))
    assert isinstance(action, Note)
    return _("note on the timeline: {message}", message=f.text(action.message))


# -- executing ----------------------------------------------------------------------------
def execute(action: Any, f: Firing) -> Outcome:
    """Do ``action`` in the firing's unit of work; raise DomainError when it cannot."""
    what = describe(action, f)
    if isinstance(action, Notify):
        return _notify(action, f, what)
    if isinstance(action, PlaceHold):
        result = place_hold(f.live(), f.account.id, f.text(action.reason),
                            Actor.system(f.source), cause=action.cause)
        return Outcome(action.type, "done" if result.changed else "unchanged", what)
    if isinstance(action, ReleaseHold):
        result = release_hold(f.live(), f.account.id, f.text(action.reason),
                              Actor.system(f.source))
        return Outcome(action.type, "done" if result.changed else "unchanged", what)
    if isinstance(action, SetGrade):
        return _set_grade(action, f, what)
    if isinstance(action, SetLimit):
        return _set_limit(action, f, what)
    if isinstance(action, OpenApplication):
        amount = evaluate_amount(f, action.amount) if action.amount is not None else None
        return _open_application(f, action.type, action.kind, amount, None,
                                 f.text(action.reason), what)
    if isinstance(action, RejectApplication | ApproveApplication):
        return _decide(action, f, what)
    assert isinstance(action, Note)
    f.live().audit("account.note", "credit_account", f.account.id,
                   business_unit_id=f.bu.id, reason=f.text(action.message),
                   after={"rule": f.rule.name, "event": f.event.name}, actor=f.actor)
    return Outcome(action.type, "done", what)


def _not_available(action: str, what: Text) -> Outcome:
    return Outcome(action, "not_available", _(
        "{what} — not available: the approval workflow is not connected", what=what))


def recipients(f: Firing, to: list[str]) -> list[Person]:
    """The people ``to`` names for this firing's account: roles in the business unit, or
    relations (``owner``: the salesperson, ``owner_manager``: their team's sales manager,
    ``owner_director``: the account region's director, ``requester``)."""
    account, session = f.account, f.live().session
    ids: set[int] = set()
    roles = [Role(r) for r in to if r in {x.value for x in Role}]
    if roles:
        ids |= set(session.scalars(select(RoleAssignment.person_id).where(
            RoleAssignment.business_unit_id == f.bu.id, RoleAssignment.role.in_(roles))))
    if "owner" in to and account.owner_id is not None:
        ids.add(account.owner_id)
    if "requester" in to and f.ctx.get("requester_id") is not None:
        ids.add(int(f.ctx["requester_id"]))
    scoped = {"owner_manager": (Role.SALES_MANAGER, RoleAssignment.team_id, account.team_id),
              "owner_director": (Role.REGION_DIRECTOR, RoleAssignment.region_id,
                                 account.region_id)}
    for relation, (role, column, value) in scoped.items():
        if relation in to and value is not None:
            ids |= set(session.scalars(select(RoleAssignment.person_id).where(
                RoleAssignment.business_unit_id == f.bu.id, RoleAssignment.role == role,
                column == value)))
    if not ids:
        return []
    return list(session.scalars(select(Person).where(Person.id.in_(ids),
                                                     Person.active.is_(True))
                                .order_by(Person.id)))


def _notify(action: Notify, f: Firing, what: Text) -> Outcome:
    uow = f.live()
    people = recipients(f, action.to)

    def payload(locale: str) -> dict[str, Any]:
        title = f.text(f.rule.title, locale) if f.rule.title else f.rule.name
        return {"title": _("Credit rule: {rule}", rule=title).to_json(), "tone": action.tone,
                "lines": [_("{customer}: {message}", customer=f.account.customer.legal_name,
                            message=f.text(action.message, locale)).to_json()],
                "rule": f.rule.name, "account_id": f.account.id, "event": f.event.name}

    for person in people:
        uow.notify("rule.notification", person_id=person.id, business_unit_id=f.bu.id,
                   **payload(person.locale or f.bu.locale))
    for channel in action.channels:
        uow.notify("rule.notification", channel=channel, business_unit_id=f.bu.id,
                   **payload(f.bu.locale))
    if not people and not action.channels:
        return Outcome(action.type, "unchanged", _("{what} — nobody holds that role",
                                                   what=what))
    return Outcome(action.type, "done", what)


def _set_grade(action: SetGrade, f: Firing, what: Text) -> Outcome:
    account = f.account
    grade = new_grade(f.policy, account.grade, action.grade, action.notch)
    if grade is None or grade == account.grade:
        return Outcome(action.type, "unchanged", what)
    uow = f.live()
    uow.lock_account(account.id)
    old = account.grade
    account.grade, account.version, account.updated_at = grade, account.version + 1, uow.now()
    uow.audit("account.grade_changed", "credit_account", account.id, business_unit_id=f.bu.id,
              before={"grade": old}, after={"grade": grade}, reason=f.text(action.reason),
              actor=f.actor)
    uow.publish(ScoreChanged(f.bu.id, account.id, account.score, account.score, old, grade))
    return Outcome(action.type, "done", what)


def _set_limit(action: SetLimit, f: Firing, what: Text) -> Outcome:
    account = f.account
    limit = evaluate_amount(f, action.limit)
    if limit == account.credit_limit:
        return Outcome(action.type, "unchanged", what)
    if action.via == "application":
        kind = "increase" if limit > account.credit_limit else "decrease"
        return _open_application(f, action.type, kind, limit, None, f.text(action.reason), what)
    uow = f.live()
    uow.lock_account(account.id)
    old = account.credit_limit
    account.credit_limit, account.version, account.updated_at = (
        limit, account.version + 1, uow.now())
    uow.audit("account.limit_changed", "credit_account", account.id, business_unit_id=f.bu.id,
              before={"credit_limit": old}, after={"credit_limit": limit},
              reason=f.text(action.reason), actor=f.actor)
    uow.publish(LimitChanged(f.bu.id, account.id, old, limit, f.text(action.reason)))
    return Outcome(action.type, "done", what)


def _open_application(f: Firing, action: str, kind: str, amount: Decimal | None,
                      grade: str | None, reason: str, what: Text) -> Outcome:
    opener = hook(f.ports, OPEN_APPLICATION)
    if opener is None:
        return _not_available(action, what)
    reference = opener(f.live(), account_id=f.account.id, kind=kind, amount=amount,
                       grade=grade, reason=reason, requester_id=f.account.owner_id,
                       source=f.source)
    return Outcome(action, "done", _("{what} — opened {reference}", what=what,
                                     reference=str(reference)))


def _decide(action: RejectApplication | ApproveApplication, f: Firing, what: Text) -> Outcome:
    decide = hook(f.ports, DECIDE_APPLICATION)
    if decide is None:
        return _not_available(action.type, what)
    outcome = "rejected" if isinstance(action, RejectApplication) else "approved"
    decide(f.live(), application_id=int(f.ctx["application_id"]), outcome=outcome,
           reason=f.text(action.reason), source=f.source)
    return Outcome(action.type, "done", what)
