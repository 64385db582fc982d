"""Domain events: facts that happened, raised with ``uow.publish(event)`` inside the unit of
work that caused them. Subscribers (the rules engine, score recalculation, alerting) handle
them in the same transaction at commit, so a rule's reaction commits with its cause.

Events are named in the past tense and carry ids and the few values a rule needs; a
subscriber loads anything else. ``business_unit_id`` selects the policy that applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    business_unit_id: int

    @property
    def name(self) -> str:
        """The event's name in policies, e.g. ``application_submitted``."""
        return _snake(type(self).__name__)


def _snake(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in name)
    return out.lstrip("_")


@dataclass(frozen=True)
class ApplicationSubmitted(DomainEvent):
    application_id: int
    account_id: int
    kind: str  # initial | increase | temporary | order_release
    amount: Decimal
    requester_id: int


@dataclass(frozen=True)
class ApplicationDecided(DomainEvent):
    application_id: int
    account_id: int
    outcome: str  # approved | rejected | withdrawn
    decided_by: int | None


@dataclass(frozen=True)
class ScoreChanged(DomainEvent):
    account_id: int
    old_score: float | None
    new_score: float | None
    old_grade: str | None
    new_grade: str | None


@dataclass(frozen=True)
class OrderChecked(DomainEvent):
    account_id: int
    order_external_id: str
    amount: Decimal
    passed: bool
    available_before: Decimal
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class InvoiceOverdue(DomainEvent):
    account_id: int
    invoice_id: int
    days_overdue: int
    open_amount: Decimal


@dataclass(frozen=True)
class PaymentReceived(DomainEvent):
    account_id: int
    payment_id: int
    amount: Decimal
    received_on: dt.date
    # Days after due of each invoice this payment settled (negative: early).
    days_late: tuple[int, ...] = ()


@dataclass(frozen=True)
class BureauSignalRaised(DomainEvent):
    account_id: int
    customer_id: int
    signal: str  # new_lawsuit | new_enforcement | dishonest_debtor | equity_freeze | …
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LimitChanged(DomainEvent):
    account_id: int
    old_limit: Decimal
    new_limit: Decimal
    reason: str | None = None


@dataclass(frozen=True)
class HoldChanged(DomainEvent):
    account_id: int
    on_hold: bool
    reason: str | None = None
