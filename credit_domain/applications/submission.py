"""Opening applications: submit, resubmit after a return, withdraw, and the system's
suggested applications (a rule opens a draft, or submits it at once).

Every service runs inside the caller's unit of work and changes nothing unless the caller
commits; bad input raises a localized :class:`~credit_domain.errors.DomainError` first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, refuse, require_account
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.applications import notices
from credit_domain.applications.engine import (
    calendar_of,
    lay_out_round,
    lock_application,
    open_step,
    touch,
)
from credit_domain.applications.errors import AlreadyDecided
from credit_domain.applications.flow import ask, finish, requester_name, with_whom
from credit_domain.applications.labels import STATUS_LABELS, label
from credit_domain.applications.models import (
    OPEN_STATUSES,
    Application,
    ApplicationKind,
    ApplicationStatus,
)
from credit_domain.applications.numbering import next_number
from credit_domain.applications.policy import KIND as POLICY_KIND
from credit_domain.applications.policy import ApprovalPolicy
from credit_domain.applications.records import Who, last_transition, record
from credit_domain.applications.routing import (
    RouteFacts,
    RoutePlan,
    plan_route,
    requester_scope,
    take_snapshot,
)
from credit_domain.clock import local_date
from credit_domain.errors import Conflict, InvalidInput
from credit_domain.events import ApplicationSubmitted
from credit_domain.i18n import text_factory
from credit_domain.ledger.models import Order, OrderStatus
from credit_domain.money import money
from credit_domain.orgs.models import BusinessUnit, Role
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")
MAX_TEXT = 2000
MAX_ATTACHMENTS = 20


class PolicySource(Protocol):
    """Where the approval policy in force comes from (``Domain.policies``)."""

    def get(self, business_unit_id: int, kind: str) -> Any: ...

    def in_force(self, business_unit_id: int, kind: str, session: Session | None = None
                 ) -> tuple[Any, int]: ...


@dataclass(frozen=True)
class ApplicationRequest:
    """What a requester asks for. ``amount`` is the requested NEW permanent limit for
    initial and increase (额度调整, which may also lower it), the extra limit for temporary,
    and is taken from the order for order_release (give ``order_id`` or
    ``order_external_id`` of a blocked order)."""

    account_id: int
    kind: ApplicationKind | str
    amount: Decimal | None
    reason: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    term_days: int | None = None
    attachments: tuple[str, ...] = ()
    order_id: int | None = None
    order_external_id: str | None = None


# -- validation --------------------------------------------------------------------------------
def _kind(value: ApplicationKind | str) -> ApplicationKind:
    try:
        return ApplicationKind(value)
    except ValueError:
        raise InvalidInput(_("Unknown application type {kind}; use one of: {kinds}", kind=value,
                             kinds=", ".join(k.value for k in ApplicationKind))) from None


def _order(session: Session, account: CreditAccount, req: ApplicationRequest) -> Order:
    stmt = select(Order).where(Order.account_id == account.id)
    if req.order_id is not None:
        stmt = stmt.where(Order.id == req.order_id)
    elif req.order_external_id:
        stmt = stmt.where(Order.external_id == req.order_external_id.strip())
    else:
        raise InvalidInput(_("Name the blocked order to release."))
    order = session.scalars(stmt).first()
    if order is None:
        raise InvalidInput(_("This customer has no order {order}.",
                             order=req.order_external_id or req.order_id))
    if order.status != OrderStatus.BLOCKED:
        raise InvalidInput(_("Order {order} is not blocked ({status}); there is nothing to "
                             "release.", order=order.external_id, status=order.status))
    return order


def validate(session: Session, account: CreditAccount, req: ApplicationRequest,
             policy: ApprovalPolicy, today: dt.date) -> tuple[ApplicationRequest, Order | None]:
    """Check a request against the account and the policy; return it normalised (kind,
    amount, trimmed texts) with the order to release, if any."""
    kind = _kind(req.kind)
    reason = (req.reason or "").strip()
    if not reason:
        raise InvalidInput(_("Please give a reason for the application."))
    if len(reason) > MAX_TEXT:
        raise InvalidInput(_("The reason is too long (at most {n} characters).", n=MAX_TEXT))
    links = tuple(a.strip() for a in req.attachments if a.strip())
    if len(links) > MAX_ATTACHMENTS or any(
            not a.startswith(("https://", "http://")) or len(a) > 1000 for a in links):
        raise InvalidInput(_("Attachments are links (http:// or https://), at most {n}.",
                             n=MAX_ATTACHMENTS))
    if account.status == AccountStatus.CLOSED:
        raise InvalidInput(_("This credit account is closed."))
    if req.term_days is not None and not 0 < req.term_days <= 365:
        raise InvalidInput(_("Payment terms are 1 to 365 days."))
    order = _order(session, account, req) if kind == ApplicationKind.ORDER_RELEASE else None
    if order is not None:
        amount = order.open_amount
    elif req.amount is None:
        raise InvalidInput(_("Please give an amount, e.g. 200000 or 20万."))
    else:
        amount = money(req.amount)
    if amount <= 0:
        raise InvalidInput(_("The amount must be greater than zero: {text}", text=amount))
    _check_kind(account, kind, amount, req, policy, today)
    clean = replace(req, kind=kind, amount=amount, reason=reason, attachments=links,
                    order_id=order.id if order else None)
    return clean, order


def _check_kind(account: CreditAccount, kind: ApplicationKind, amount: Decimal,
                req: ApplicationRequest, policy: ApprovalPolicy, today: dt.date) -> None:
    limit = account.credit_limit
    if kind == ApplicationKind.INITIAL and limit > 0:
        raise InvalidInput(_("This customer already has a limit of {limit}; ask for a limit "
                             "adjustment instead.", limit=limit))
    if kind == ApplicationKind.INCREASE and limit <= 0:
        raise InvalidInput(_("This customer has no limit yet; ask for initial credit."))
    if kind == ApplicationKind.INCREASE and amount == limit:
        raise InvalidInput(_("{amount} is already the limit; give the new limit you need.",
                             amount=amount))
    if kind != ApplicationKind.TEMPORARY:
        return
    if req.valid_from is None or req.valid_to is None:
        raise InvalidInput(_("A temporary limit needs its validity window (from and to)."))
    if req.valid_from > req.valid_to or req.valid_to < today:
        raise InvalidInput(_("The window {start} – {end} is not valid: it must end on or after "
                             "its start and not in the past.", start=req.valid_from.isoformat(),
                             end=req.valid_to.isoformat()))
    days = (req.valid_to - req.valid_from).days + 1
    if days > policy.temporary_max_days:
        raise InvalidInput(_("A temporary limit lasts at most {n} days; this one {days}.",
                             n=policy.temporary_max_days, days=days))


def _refuse_duplicate(session: Session, account_id: int, kind: ApplicationKind,
                      order_id: int | None, exclude: int | None = None) -> None:
    stmt = select(Application.number).where(
        Application.account_id == account_id, Application.kind == kind,
        Application.status.in_(OPEN_STATUSES))
    if order_id is not None:
        stmt = stmt.where(Application.order_id == order_id)
    if exclude is not None:
        stmt = stmt.where(Application.id != exclude)
    number = session.scalars(stmt.limit(1)).first()
    if number is not None:
        raise Conflict(_("{number} asks for the same and is still open; follow it up, or "
                         "withdraw it first.", number=number), number=number)


# -- routing and opening a round -------------------------------------------------------------
def _today(uow: UnitOfWork, account: CreditAccount) -> dt.date:
    bu = uow.session.get(BusinessUnit, account.business_unit_id)
    return local_date(uow.now(), bu.timezone if bu else "Asia/Shanghai")


def _facts(app: Application, account: CreditAccount, snapshot: dict[str, Any]) -> RouteFacts:
    days = ((app.valid_to - app.valid_from).days + 1
            if app.valid_from and app.valid_to else 0)
    return RouteFacts(app.kind, app.requested_amount, snapshot, days=days,
                      term_days=app.term_days, industry=account.customer.industry)


def route(uow: UnitOfWork, policies: PolicySource, app: Application) -> RoutePlan:
    """Take the snapshot and plan the route of ``app`` (stored on it, not yet opened)."""
    account = app.account
    policy: ApprovalPolicy
    policy, version = policies.in_force(app.business_unit_id, POLICY_KIND, uow.session)
    snapshot = take_snapshot(uow.session, account, _today(uow, account))
    scope = requester_scope(uow.session, account, app.requester_id)
    plan = plan_route(uow.session, policy, _facts(app, account, snapshot), scope)
    app.snapshot, app.route = snapshot, plan.route
    app.policy_version = version
    app.cc_person_ids = [p.id for p in plan.cc]
    app.cc_channels = list(plan.cc_channels)
    return plan


def _open_round(uow: UnitOfWork, policies: PolicySource, app: Application, who: Who,
                action: str, *, tell_requester: bool = True) -> Application:
    plan = route(uow, policies, app)
    now = uow.now()
    before = app.status
    app.round += 1
    app.status, app.submitted_at = ApplicationStatus.PENDING, now
    touch(app, now)
    steps = lay_out_round(uow, app, plan)
    pending = open_step(uow.session, steps[0], now, calendar_of(uow.session, app))
    record(uow, app, action, who, note=app.reason, details={
        "route": plan.route, "policy_version": app.policy_version,
        "steps": [f"{s.position}. {s.settings.role.value} ({s.rule})" for s in plan.steps]})
    uow.audit(f"application.{action}", "application", app.number,
              business_unit_id=app.business_unit_id, before={"status": before},
              after={"status": app.status, "round": app.round, "kind": app.kind,
                     "amount": app.requested_amount, "route": plan.route,
                     "snapshot": app.snapshot}, reason=app.reason, actor=who.ref)
    uow.publish(ApplicationSubmitted(app.business_unit_id, app.id, app.account_id, app.kind,
                                     app.requested_amount, app.requester_id or 0))
    ask(uow, app, steps[0], pending, steps=len(steps))
    title = _("{number} submitted: {summary}", number=app.number,
              summary=notices.summary(app))
    lines = [with_whom(uow, steps[0], pending)]
    if tell_requester:
        notices.to_requester(uow, app, "application.submitted", title, lines=lines)
    cc_title = _("{requester} submitted {number}: {summary}", requester=requester_name(uow, app),
                 number=app.number, summary=notices.summary(app))
    notices.to_cc(uow, app, "application.submitted", cc_title, lines=lines)
    return app


def _new_application(uow: UnitOfWork, account: CreditAccount, req: ApplicationRequest,
                     requester_id: int | None, origin: str) -> Application:
    now = uow.now()
    app = Application(
        number=next_number(uow.session, _today(uow, account).year),
        business_unit_id=account.business_unit_id, account_id=account.id, kind=req.kind,
        status=ApplicationStatus.DRAFT, requested_amount=req.amount,
        valid_from=req.valid_from, valid_to=req.valid_to, term_days=req.term_days,
        reason=req.reason, attachments=list(req.attachments), order_id=req.order_id,
        requester_id=requester_id, origin=origin, round=0, cc_person_ids=[],
        cc_channels=[], version=1, created_at=now, updated_at=now)
    app.account = account
    uow.session.add(app)
    uow.session.flush()
    return app


def _policy(policies: PolicySource, account: CreditAccount) -> ApprovalPolicy:
    policy: ApprovalPolicy = policies.get(account.business_unit_id, POLICY_KIND)
    return policy


# -- services --------------------------------------------------------------------------------
def submit(uow: UnitOfWork, policies: PolicySource, actor: Actor,
           request: ApplicationRequest, *, tell_requester: bool = True) -> Application:
    """Submit a credit application as ``actor`` (who must see the customer's account): take
    the credit snapshot, route it by the unit's approval policy and ask the first step's
    approvers. Refused when the same kind of application is already open for the account.
    ``tell_requester=False`` when the requester is answered where they submitted (chat)."""
    account = require_account(uow.session, actor, request.account_id,
                              action="submit_application")
    _require_person(actor, "submit_application", f"credit_account:{account.id}")
    actor.require_not_only_auditor(account.business_unit_id, action="submit_application",
                                   target=f"credit_account:{account.id}")
    req, _order = validate(uow.session, account, request, _policy(policies, account),
                           _today(uow, account))
    _refuse_duplicate(uow.session, account.id, ApplicationKind(req.kind), req.order_id)
    app = _new_application(uow, account, req, actor.person_id, "person")
    return _open_round(uow, policies, app, Who.of(actor), "submitted",
                       tell_requester=tell_requester)


def _amend(uow: UnitOfWork, policies: PolicySource, app: Application,
           changes: dict[str, Any]) -> None:
    current = ApplicationRequest(
        account_id=app.account_id, kind=app.kind, amount=app.requested_amount,
        reason=app.reason, valid_from=app.valid_from, valid_to=app.valid_to,
        term_days=app.term_days, attachments=tuple(app.attachments or ()),
        order_id=app.order_id)
    given = {k: v for k, v in changes.items() if v is not None}
    if "attachments" in given:  # links given with an amendment add to those already there
        given["attachments"] = tuple(dict.fromkeys((*current.attachments,
                                                    *given["attachments"])))
    wanted = replace(current, **given)
    req, _order = validate(uow.session, app.account, wanted, _policy(policies, app.account),
                           _today(uow, app.account))
    app.requested_amount, app.reason = req.amount or app.requested_amount, req.reason
    app.valid_from, app.valid_to, app.term_days = req.valid_from, req.valid_to, req.term_days
    app.attachments = list(req.attachments)


def _conflict_from_history(uow: UnitOfWork, app: Application) -> AlreadyDecided | None:
    entry = last_transition(uow.session, app.id)
    if entry is None:
        return None
    outcome = {"resubmitted": "submitted"}.get(entry.action, entry.action)
    bu = uow.session.get(BusinessUnit, app.business_unit_id)
    return AlreadyDecided(app.number, outcome, entry.actor_name, entry.at, now=uow.now(),
                          timezone=bu.timezone if bu else "Asia/Shanghai")


def state_conflict(uow: UnitOfWork, app: Application) -> Exception:
    """The error for an action the application's state no longer allows: who moved it on,
    and when."""
    known = _conflict_from_history(uow, app)
    return known or Conflict(_("{number} is {status}.", number=app.number,
                               status=label(STATUS_LABELS, app.status)))


def _require_person(actor: Actor, action: str, target: str) -> None:
    if actor.person_id is None:
        raise refuse(actor, action, target,
                     _("Only a person submits an application; rules suggest them."))


def _require_requester(uow: UnitOfWork, app: Application, actor: Actor, action: str) -> None:
    if actor.person_id is not None and actor.person_id == app.requester_id:
        return
    # A suggestion has no requester yet: the account's owner, who is asked to review it,
    # and the unit's credit admins act on it.
    if app.requester_id is None and (actor.is_system or actor.has_role(
            app.business_unit_id, Role.CREDIT_ADMIN) or (
            actor.person_id is not None and actor.person_id == app.account.owner_id)):
        return
    raise refuse(actor, action, f"application:{app.number}",
                 _("Only the requester of {number} may do this.", number=app.number),
                 business_unit_id=app.business_unit_id)


def resubmit(uow: UnitOfWork, policies: PolicySource, actor: Actor, application_id: int, *,
             amount: Decimal | None = None, reason: str | None = None,
             valid_from: dt.date | None = None, valid_to: dt.date | None = None,
             term_days: int | None = None, attachments: tuple[str, ...] | None = None,
             tell_requester: bool = True) -> Application:
    """Resubmit a returned application, amended as given: a new round with a fresh snapshot
    and route. Resubmitting twice changes nothing the second time (a Conflict says so)."""
    app = lock_application(uow, application_id)
    _require_requester(uow, app, actor, "resubmit_application")
    if app.status != ApplicationStatus.RETURNED:
        raise state_conflict(uow, app)
    _amend(uow, policies, app, {"amount": amount, "reason": reason, "valid_from": valid_from,
                                "valid_to": valid_to, "term_days": term_days,
                                "attachments": attachments})
    return _open_round(uow, policies, app, Who.of(actor), "resubmitted",
                       tell_requester=tell_requester)


def submit_draft(uow: UnitOfWork, policies: PolicySource, actor: Actor, application_id: int,
                 *, amount: Decimal | None = None, reason: str | None = None,
                 valid_from: dt.date | None = None, valid_to: dt.date | None = None,
                 term_days: int | None = None, tell_requester: bool = True) -> Application:
    """Submit a draft the system suggested, as ``actor`` (who becomes its requester),
    amended as given."""
    app = lock_application(uow, application_id)
    target = f"application:{app.number}"
    require_account(uow.session, actor, app.account_id, action="submit_draft")
    if app.status != ApplicationStatus.DRAFT:
        raise state_conflict(uow, app)
    _require_person(actor, "submit_draft", target)
    actor.require_not_only_auditor(app.business_unit_id, action="submit_draft", target=target)
    app.requester_id = actor.person_id
    _amend(uow, policies, app, {"amount": amount, "reason": reason, "valid_from": valid_from,
                                "valid_to": valid_to, "term_days": term_days})
    return _open_round(uow, policies, app, Who.of(actor), "submitted",
                       tell_requester=tell_requester)


def withdraw(uow: UnitOfWork, actor: Actor, application_id: int,
             reason: str | None = None) -> Application:
    """The requester withdraws an application before its final decision (a draft, one in
    approval, or one returned to them). No limit changes."""
    app = lock_application(uow, application_id)
    _require_requester(uow, app, actor, "withdraw_application")
    if app.status not in OPEN_STATUSES:
        raise state_conflict(uow, app)
    who = Who.of(actor)
    record(uow, app, "withdrawn", who, note=reason)
    finish(uow, app, ApplicationStatus.WITHDRAWN, who, reason=reason)
    return app


def suggest(uow: UnitOfWork, *, account_id: int, kind: ApplicationKind | str,
            amount: Decimal | None, reason: str, rule_name: str,
            policies: PolicySource, submit_now: bool = False,
            valid_from: dt.date | None = None, valid_to: dt.date | None = None,
            term_days: int | None = None, order_id: int | None = None) -> Application:
    """Open an application on behalf of the system (the rules engine): a draft the
    account's owner is asked to review and submit, or, with ``submit_now``, submitted at once
    with no personal requester. When an application of that kind is already open for the
    account, it is returned unchanged (a rule firing again suggests nothing twice)."""
    account = uow.session.get(CreditAccount, account_id)
    if account is None:
        raise InvalidInput(_("Credit account {id} does not exist.", id=account_id))
    req, _order = validate(uow.session, account, ApplicationRequest(
        account_id=account_id, kind=kind, amount=amount, reason=reason,
        valid_from=valid_from, valid_to=valid_to, term_days=term_days, order_id=order_id),
        _policy(policies, account), _today(uow, account))
    existing = uow.session.scalars(select(Application).where(
        Application.account_id == account_id, Application.kind == req.kind,
        Application.status.in_(OPEN_STATUSES),
        *([Application.order_id == req.order_id] if req.order_id else []))).first()
    if existing is not None:
        return existing
    app = _new_application(uow, account, req, None, f"rule:{rule_name}")
    who = Who.by_rule(rule_name)
    if submit_now:
        return _open_round(uow, policies, app, who, "submitted")
    record(uow, app, "suggested", who, note=req.reason)
    uow.audit("application.suggested", "application", app.number,
              business_unit_id=app.business_unit_id,
              after={"kind": app.kind, "amount": app.requested_amount, "rule": rule_name},
              reason=req.reason, actor=who.ref)
    notices.to_requester(
        uow, app, "application.suggested",
        _("creditbot suggests {summary}", summary=notices.summary(app)),
        lines=[_("Reason: {reason}", reason=req.reason),
               _("Submit it as it is or amended, or withdraw it.")],
        actions=["submit", "withdraw"])
    return app

