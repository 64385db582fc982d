"""Replaying history through a rules policy, changing nothing: what would each rule have done?

Events are rebuilt from what is stored: every order checked (``order_checked``, with the
answer it got), every payment (``payment_received``, with the days late of what it settled
and the on-time streak as of that payment) and every invoice that went overdue
(``invoice_overdue``, once, with the most days overdue it reached). Conditions see the
event's own figures as they were and the account's figures as they are today. Everything runs
on a read-only session: no action is executed, only described.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain
from credit_domain.clock import local_date
from credit_domain.errors import DomainError
from credit_domain.events import DomainEvent, InvoiceOverdue, OrderChecked, PaymentReceived
from credit_domain.i18n import Text
from credit_domain.ledger.models import Allocation, Invoice, Order, Payment
from credit_domain.orgs.models import BusinessUnit
from credit_domain.policy.expr import ExpressionError
from credit_domain.rules.actions import Firing, describe
from credit_domain.rules.context import build_context
from credit_domain.rules.engine import matching
from credit_domain.rules.policy import RulesPolicy

Replayed = tuple[dt.date, int, str, DomainEvent]  # date, tie-breaker, subject, event


@dataclass(frozen=True)
class SimulatedFiring:
    on: dt.date
    business_unit: str
    rule: str
    event: str
    subject: str  # "order SO-1", "payment P-7", "invoice INV-3"
    customer: str
    actions: tuple[Text, ...]
    error: str | None = None


@dataclass
class Simulation:
    since: dt.date
    firings: list[SimulatedFiring] = field(default_factory=list)
    replayed: dict[str, int] = field(default_factory=dict)  # events replayed, by name
    orders_without_check: int = 0  # orders stored before checks were kept: not replayed


def _orders(session: Session, bu: BusinessUnit, since: dt.datetime, sim: Simulation
            ) -> Iterator[Replayed]:
    rows = session.execute(
        select(Order.id, Order.account_id, Order.external_id, Order.amount, Order.created_at,
               Order.check_result)
        .where(Order.business_unit_id == bu.id, Order.created_at >= since)
        .order_by(Order.created_at, Order.id))
    for oid, account_id, number, amount, created, stored in rows:
        if not stored:
            sim.orders_without_check += 1
            continue
        answer = json.loads(stored)
        event = OrderChecked(bu.id, account_id, number, amount, bool(answer["passed"]),
                             Decimal(answer["available_before"]),
                             tuple(r["code"] for r in answer["reasons"]))
        yield local_date(created, bu.timezone), oid, f"order {number}", event


def _payments(session: Session, bu: BusinessUnit, since: dt.date) -> Iterator[Replayed]:
    settled: dict[int, list[int]] = {}
    for payment_id, applied, due in session.execute(
            select(Allocation.payment_id, Allocation.applied_on, Invoice.due_date)
            .join(Invoice, Invoice.id == Allocation.invoice_id)
            .join(Payment, Payment.id == Allocation.payment_id)
            .where(Payment.business_unit_id == bu.id, Payment.received_on >= since,
                   Invoice.settled_on == Allocation.applied_on)):
        if payment_id is not None:
            settled.setdefault(payment_id, []).append((applied - due).days)
    rows = session.execute(
        select(Payment.id, Payment.account_id, Payment.external_id, Payment.amount,
               Payment.received_on)
        .where(Payment.business_unit_id == bu.id, Payment.received_on >= since)
        .order_by(Payment.received_on, Payment.id))
    for pid, account_id, number, amount, received in rows:
        event = PaymentReceived(bu.id, account_id, pid, amount, received,
                                tuple(settled.get(pid, ())))
        yield received, pid, f"payment {number}", event


def _overdue(session: Session, bu: BusinessUnit, since: dt.date, today: dt.date
             ) -> Iterator[Replayed]:
    rows = session.execute(
        select(Invoice.id, Invoice.account_id, Invoice.external_id, Invoice.amount,
               Invoice.open_amount, Invoice.due_date, Invoice.settled_on)
        .where(Invoice.business_unit_id == bu.id, Invoice.due_date < today,
               or_(Invoice.settled_on.is_(None), Invoice.settled_on > Invoice.due_date),
               or_(Invoice.settled_on.is_(None), Invoice.settled_on > since))
        .order_by(Invoice.due_date, Invoice.id))
    for iid, account_id, number, amount, open_amount, due, settled_on in rows:
        end = min(settled_on or today, today)
        days = (end - due).days
        if days <= 0 or end < since:
            continue
        unpaid = open_amount if settled_on is None else amount
        yield end, iid, f"invoice {number}", InvoiceOverdue(bu.id, account_id, iid, days, unpaid)


def simulate(domain: Domain, since: dt.date, *, business_unit_codes: list[str] | None = None,
             policy: RulesPolicy | None = None) -> Simulation:
    """What the rules in force (or ``policy``) would have done since ``since``."""
    sim = Simulation(since)
    now = domain.clock.now()
    with domain.read() as session:
        stmt = select(BusinessUnit).order_by(BusinessUnit.code)
        if business_unit_codes:
            stmt = stmt.where(BusinessUnit.code.in_(business_unit_codes))
        for bu in session.scalars(stmt):
            rules = policy or domain.policies.get(bu.id, "rules", session)
            today = local_date(now, bu.timezone)
            start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
            streams = heapq.merge(_orders(session, bu, start, sim), _payments(session, bu, since),
                                  _overdue(session, bu, since, today), key=lambda r: r[:2])
            _replay(session, sim, bu, rules, streams, now, domain.ports)
    return sim


def _replay(session: Session, sim: Simulation, bu: BusinessUnit, policy: RulesPolicy,
            stream: Iterator[Replayed], now: dt.datetime, ports: dict[str, Any]) -> None:
    last_fired: dict[tuple[str, int], dt.date] = {}
    for on, _tie, subject, event in stream:
        sim.replayed[event.name] = sim.replayed.get(event.name, 0) + 1
        if not policy.for_event(event.name):
            continue
        account = session.get(CreditAccount, getattr(event, "account_id", None))
        if account is None:
            continue
        ctx = build_context(session, event, now)
        for rule, error in matching(policy, event, ctx):
            key = (rule.name, account.id)
            if rule.cooldown_days and key in last_fired and (
                    on - last_fired[key]).days < rule.cooldown_days:
                continue
            last_fired[key] = on
            firing = Firing(None, ports, policy, rule, event, bu, account, ctx)
            actions = () if error else tuple(_describe(a, firing) for a in rule.then)
            sim.firings.append(SimulatedFiring(on, bu.code, rule.name, event.name, subject,
                                               account.customer.legal_name, actions,
                                               str(error) if error else None))


def _describe(action: Any, firing: Firing) -> Text:
    try:
        return describe(action, firing)
    except (DomainError, ExpressionError) as exc:  # say what failed; the replay goes on
        detail = exc.message if isinstance(exc, DomainError) else Text(
            "{message}", params={"message": str(exc)})
        return Text("{message}", params={"message": detail})

