"""The order credit check: pass (and reserve the amount) or block, with the reasons.

Reasons to block, each with its figures: the account is on hold (and why), the order exceeds
the available limit (by how much), an invoice is overdue beyond the policy's tolerance, the
grade is below the policy's minimum. The decision and the reservation are atomic (the account
is locked, see ``credit_domain.accounts.reservations``); the answer is stored with the order,
so the same order id sent again gets the same answer and reserves nothing twice, with the
order's status now (a blocked order may have been released since). A block can open an
order-release application through the workflow's port, and the answer says whether it did.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from credit_domain.accounts.models import AccountStatus
from credit_domain.accounts.reservations import Position, lock_position, place_order
from credit_domain.errors import Conflict, DomainError
from credit_domain.events import OrderChecked
from credit_domain.i18n import Text, text_factory
from credit_domain.ledger.models import Invoice, Order, OrderStatus
from credit_domain.ledger.records import OrderRecord
from credit_domain.ledger.services.common import lock_resolved_account
from credit_domain.orders.policy import OrderCheckPolicy
from credit_domain.orgs.models import BusinessUnit
from credit_domain.savepoints import undoable
from credit_domain.unit_of_work import UnitOfWork
from credit_domain.workflow_hooks import OPEN_RELEASE_APPLICATION, hook

_ = text_factory("credit_domain")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Reason:
    """Why an order is blocked: a stable code, a message, and the figures behind it."""

    code: str  # on_hold | over_limit | overdue | grade_below_minimum | ungraded
    message: Text
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message.to_json(),
                "details": {k: str(v) if isinstance(v, Decimal) else v
                            for k, v in self.details.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reason:
        return cls(data["code"], Text.from_json(data["message"]), dict(data["details"]))


@dataclass(frozen=True)
class CheckAnswer:
    """The answer to an order check (stored with the order, replayed on a re-send)."""

    order_external_id: str
    order_id: int
    account_id: int
    passed: bool
    amount: Decimal
    available_before: Decimal
    reasons: tuple[Reason, ...]
    checked_at: dt.datetime
    # opened | not_available | not_requested | failed | none (passed)
    release_status: str = "none"
    release_reference: str | None = None
    repeated: bool = False
    # the order as the unit of work leaves it (None only before it is stored)
    order: Order | None = field(default=None, compare=False, repr=False)

    @property
    def order_status(self) -> OrderStatus:
        """The order's status now: reserved or blocked when first checked, unless a rule acting
        on the same commit changed it (an order-release application approved at once); on a
        repeat, whatever it has become since (released, confirmed …)."""
        if self.order is None:
            return OrderStatus.RESERVED if self.passed else OrderStatus.BLOCKED
        return OrderStatus(self.order.status)

    @property
    def available_after(self) -> Decimal:
        return self.available_before - self.amount if self.passed else self.available_before

    def to_json(self) -> str:
        return json.dumps({
            "passed": self.passed, "amount": str(self.amount),
            "available_before": str(self.available_before),
            "reasons": [r.to_json() for r in self.reasons],
            "checked_at": self.checked_at.isoformat(), "release_status": self.release_status,
            "release_reference": self.release_reference,
        }, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_order(cls, order: Order) -> CheckAnswer:
        """The stored answer of an order that was checked before."""
        data = json.loads(order.check_result or "{}")
        return cls(order.external_id, order.id, order.account_id, bool(data["passed"]),
                   Decimal(data["amount"]), Decimal(data["available_before"]),
                   tuple(Reason.from_json(r) for r in data["reasons"]),
                   dt.datetime.fromisoformat(data["checked_at"]), data["release_status"],
                   data.get("release_reference"), repeated=True, order=order)


def blocking_reasons(uow: UnitOfWork, policy: OrderCheckPolicy, position: Position,
                     amount: Decimal) -> list[Reason]:
    """Every reason the policy has to block ``amount`` on the locked account."""
    account, exposure = position.account, position.exposure
    reasons = []
    if account.status == AccountStatus.ON_HOLD:
        reasons.append(Reason("on_hold", _("The customer is on credit hold: {reason}",
                                           reason=account.hold_reason or "-"),
                              {"hold_reason": account.hold_reason}))
    elif account.status == AccountStatus.CLOSED:
        reasons.append(Reason("closed", _("The credit account is closed.")))
    if amount > exposure.available:
        shortfall = amount - exposure.available
        reasons.append(Reason("over_limit", _(
            "The order exceeds the available limit by {shortfall} (available {available}).",
            shortfall=shortfall, available=exposure.available),
            {"shortfall": shortfall, "available": exposure.available}))
    if policy.overdue_tolerance_days is not None:
        reasons.extend(_overdue(uow, policy.overdue_tolerance_days, position))
    below = policy.below_minimum(account.grade)
    if below:
        reasons.append(Reason("grade_below_minimum", _(
            "Grade {grade} is below the minimum {minimum} for orders on credit.",
            grade=account.grade, minimum=policy.minimum_grade),
            {"grade": account.grade, "minimum": policy.minimum_grade}))
    elif below is None and policy.ungraded == "block":
        reasons.append(Reason("ungraded", _("The customer has no credit grade yet."),
                              {"grade": account.grade}))
    return reasons


def _overdue(uow: UnitOfWork, tolerance: int, position: Position) -> list[Reason]:
    limit_day = position.today - dt.timedelta(days=tolerance)
    oldest, amount = uow.session.execute(
        select(func.min(Invoice.due_date), func.sum(Invoice.open_amount)).where(
            Invoice.account_id == position.account.id, Invoice.open_amount > 0,
            Invoice.due_date < limit_day)).one()
    if oldest is None:
        return []
    days = (position.today - oldest).days
    return [Reason("overdue", _(
        "{amount} is overdue by more than {tolerance} days (the oldest by {days} days).",
        amount=amount, tolerance=tolerance, days=days),
        {"overdue_amount": amount, "oldest_days": days, "tolerance_days": tolerance})]


def check_order(uow: UnitOfWork, bu: BusinessUnit, policy: OrderCheckPolicy, rec: OrderRecord,
                ports: dict[str, Any]) -> CheckAnswer:
    """Check ``rec`` against the customer's credit in ``bu`` (see module docstring)."""
    account = lock_resolved_account(uow, bu.id, rec)
    position = lock_position(uow, account.id, rec.external_id)
    if position.order is not None:
        return _repeat(position.order, rec)
    reasons = blocking_reasons(uow, policy, position, rec.amount)
    status = OrderStatus.BLOCKED if reasons else OrderStatus.RESERVED
    summary = "; ".join(r.message.render(bu.locale) for r in reasons) or None
    # The order's id is set once it is stored; the stored answer does not carry it, so a
    # passed order is inserted with its answer.
    answer = CheckAnswer(rec.external_id, 0, account.id, not reasons, rec.amount,
                         position.exposure.available, tuple(reasons), uow.now())
    order = place_order(uow, position, rec.external_id, rec.amount, status,
                        ordered_on=rec.ordered_on, block_reason=summary,
                        check_result=None if reasons else answer.to_json())
    answer = replace(answer, order_id=order.id, order=order)
    if reasons:  # the answer says what became of the release application
        answer = _open_release(uow, policy, answer, order, bu, ports)
        order.check_result = answer.to_json()
    uow.publish(OrderChecked(bu.id, account.id, rec.external_id, rec.amount, answer.passed,
                             answer.available_before, tuple(r.code for r in reasons)))
    return answer


def _repeat(order: Order, rec: OrderRecord) -> CheckAnswer:
    if order.status == OrderStatus.CANCELLED:  # its answer no longer holds: nothing is reserved
        raise Conflict(_("Order {order} was cancelled; send a new order id to check it again.",
                         order=order.external_id))
    if order.amount != rec.amount:
        raise Conflict(_("Order {order} was checked for {amount}; cancel it or send a new "
                         "order id.", order=order.external_id, amount=order.amount))
    if order.check_result:
        return CheckAnswer.from_order(order)
    # Reserved before checks were stored (e.g. by ``reserve``): it passed.
    return CheckAnswer(order.external_id, order.id, order.account_id,
                       order.status != OrderStatus.BLOCKED, order.amount, ZERO, (),
                       order.updated_at, repeated=True, order=order)


def _open_release(uow: UnitOfWork, policy: OrderCheckPolicy, answer: CheckAnswer, order: Order,
                  bu: BusinessUnit, ports: dict[str, Any]) -> CheckAnswer:
    if not policy.open_release_application:
        return replace(answer, release_status="not_requested")
    opener = hook(ports, OPEN_RELEASE_APPLICATION)
    if opener is None:
        uow.audit("order.release_unavailable", "order", answer.order_id, business_unit_id=bu.id,
                  reason="the approval workflow is not connected")
        return replace(answer, release_status="not_available")
    try:
        with undoable(uow):
            reference = opener(uow, order_id=order.id, account_id=answer.account_id,
                               amount=answer.amount,
                               reasons=[r.message.render(bu.locale) for r in answer.reasons],
                               requester_id=order.account.owner_id)
    except DomainError as exc:
        uow.audit("order.release_failed", "order", answer.order_id, business_unit_id=bu.id,
                  reason=exc.localized(bu.locale))
        return replace(answer, release_status="failed")
    return replace(answer, release_status="opened", release_reference=str(reference))
