"""What a rule's condition, amounts and messages can refer to, event by event.

Every event offers its own fields (``amount``, ``days_overdue``, ``reasons``…) and the state of
its credit account now (``grade``, ``score``, ``credit_limit``, ``available``, ``utilisation``,
the scorecard's ``suggested_limit``, the ``hold_cause``…);
``payment_received`` adds ``max_days_late`` and ``consecutive_on_time_payments``,
``bureau_signal_raised`` the ``signal_label`` (the signal in words). The names are
known before any event happens, so a policy naming something that does not exist is refused
when it is loaded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.bureau.signals import KIND_TEXT
from credit_domain.clock import local_date
from credit_domain.events import DomainEvent
from credit_domain.ledger.models import Allocation, Invoice, Payment
from credit_domain.scoring.models import CreditScore

# The account's names in three groups, each read only when one of its names is asked for:
# the account's own row, its exposure (an aggregate), the scorecard's latest suggestion.
ROW_NAMES = frozenset({
    "account_id", "customer", "customer_id", "business_unit", "grade", "score",
    "credit_limit", "on_hold", "payment_terms_days", "owner_id", "scored", "graded",
    "hold_cause",
})
EXPOSURE_NAMES = frozenset({
    "effective_limit", "exposure", "available", "utilisation", "overdue_amount"})
SUGGESTION_NAMES = frozenset({"suggested_limit", "has_suggested_limit"})
ACCOUNT_NAMES = ROW_NAMES | EXPOSURE_NAMES | SUGGESTION_NAMES
EXTRA_NAMES = {"payment_received": frozenset({"max_days_late", "consecutive_on_time_payments"}),
               "bureau_signal_raised": frozenset({"signal_label"})}
_HIDDEN = frozenset({"business_unit_id"})
ZERO = Decimal(0)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def event_types() -> dict[str, type[DomainEvent]]:
    """Every domain event by its policy name (``order_checked``…), including events other
    features define."""
    found: dict[str, type[DomainEvent]] = {}
    pending = list(DomainEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        found[_snake(cls.__name__)] = cls
        pending.extend(cls.__subclasses__())
    return found


def names_for(event: str) -> frozenset[str]:
    """The names a rule on ``event`` may use."""
    cls = event_types()[event]
    fields = {f.name for f in dataclasses.fields(cls)} - _HIDDEN
    return frozenset(fields | ACCOUNT_NAMES | EXTRA_NAMES.get(event, frozenset()))


Loader = tuple[frozenset[str], Callable[[], dict[str, Any]]]


class RuleContext(Mapping[str, Any]):
    """The values of every name for one event. The event's own come at once; the account's
    figures group by group (:data:`ROW_NAMES`, :data:`EXPOSURE_NAMES`,
    :data:`SUGGESTION_NAMES`) only when a condition, an amount or a message asks for one of
    the group, and all of them before a rule's actions run (:meth:`settle`), so they are
    always the account as it was before any action of the event's rules: a condition on the
    grade alone costs no exposure aggregate. Where an event has a field of the same name
    (``on_hold`` of ``hold_changed``), the account's figure is the one seen, as it always
    was."""

    def __init__(self, values: dict[str, Any], account: Sequence[Loader] = ()) -> None:
        self._values = values
        self._pending = list(account)

    def settle(self) -> None:
        """Take the account's figures now, those nothing has asked for yet (the rules engine
        calls this before any rule acts, so no group is read after an action)."""
        while self._pending:
            self._take(0)

    def _take(self, index: int) -> None:
        """Read the group at ``index``; it leaves the pending ones only once it is read."""
        loaded = self._pending[index][1]()
        del self._pending[index]
        self._values = {**self._values, **loaded}

    def _pending_index(self, name: object) -> int | None:
        return next((i for i, (names, _load) in enumerate(self._pending) if name in names),
                    None)

    def __getitem__(self, name: str) -> Any:
        index = self._pending_index(name)
        if index is not None:
            self._take(index)
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._values or self._pending_index(name) is not None

    def __iter__(self) -> Iterator[str]:
        self.settle()
        return iter(self._values)

    def __len__(self) -> int:
        self.settle()
        return len(self._values)


def build_context(session: Session, event: DomainEvent, now: dt.datetime) -> RuleContext:
    """The values of every name for ``event`` (account figures as of ``now``, see
    :class:`RuleContext`)."""
    ctx: dict[str, Any] = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)
                           if f.name not in _HIDDEN}
    account_id = getattr(event, "account_id", None)
    account = session.get(CreditAccount, account_id) if account_id is not None else None
    if event.name == "bureau_signal_raised":  # the signal in words, for messages
        ctx["signal_label"] = KIND_TEXT.get(ctx["signal"]) or ctx["signal"]
    if event.name == "payment_received":
        late = list(ctx.get("days_late") or ())
        ctx["max_days_late"] = max(late) if late else 0
        ctx["consecutive_on_time_payments"] = on_time_streak(session, ctx["payment_id"])
    return RuleContext(ctx, () if account is None else account_loaders(session, account, now))


def account_loaders(session: Session, account: CreditAccount, now: dt.datetime
                    ) -> list[Loader]:
    """How to read each group of the account's names (as of ``now``)."""

    def row() -> dict[str, Any]:
        return {
            "account_id": account.id, "customer": account.customer.legal_name,
            "customer_id": account.customer_id, "business_unit": account.business_unit.code,
            "grade": account.grade, "score": account.score,
            "credit_limit": account.credit_limit,
            # CEL compares a number with null as an error: test these first (scored && …)
            "scored": account.score is not None, "graded": account.grade is not None,
            "on_hold": account.status == AccountStatus.ON_HOLD,
            "payment_terms_days": account.payment_terms_days, "owner_id": account.owner_id,
            # "" when not on hold; see credit_domain.accounts.holds
            "hold_cause": (account.hold_cause or "") if account.on_hold else "",
        }

    def exposure() -> dict[str, Any]:
        e = account_exposure(session, account.id,
                             local_date(now, account.business_unit.timezone))
        return {"effective_limit": e.effective_limit, "exposure": e.exposure,
                "available": e.available, "utilisation": e.utilisation or ZERO,
                "overdue_amount": e.overdue}

    def suggestion() -> dict[str, Any]:
        # the scorecard's suggested limit of the latest score (null: never scored)
        suggested = session.scalar(
            select(CreditScore.suggested_limit).where(CreditScore.account_id == account.id)
            .order_by(CreditScore.computed_at.desc(), CreditScore.id.desc()).limit(1))
        return {"suggested_limit": suggested, "has_suggested_limit": suggested is not None}

    return [(ROW_NAMES, row), (EXPOSURE_NAMES, exposure), (SUGGESTION_NAMES, suggestion)]


def on_time_streak(session: Session, payment_id: int) -> int:
    """How many payments in a row, up to and including ``payment_id``, applied nothing after
    the due date (payments applied to nothing do not count either way)."""
    this = session.get(Payment, payment_id)
    if this is None:
        return 0
    applied = exists().where(Allocation.payment_id == Payment.id)
    late = exists().where(Allocation.payment_id == Payment.id,
                          Allocation.invoice_id == Invoice.id,
                          Allocation.applied_on > Invoice.due_date)
    up_to = and_(Payment.account_id == this.account_id, applied, or_(
        Payment.received_on < this.received_on,
        and_(Payment.received_on == this.received_on, Payment.id <= this.id)))
    last_late = session.execute(
        select(Payment.received_on, Payment.id).where(up_to, late)
        .order_by(Payment.received_on.desc(), Payment.id.desc()).limit(1)).first()
    after = up_to if last_late is None else and_(up_to, or_(
        Payment.received_on > last_late[0],
        and_(Payment.received_on == last_late[0], Payment.id > last_late[1])))
    return int(session.scalar(select(func.count()).select_from(Payment).where(after)) or 0)
