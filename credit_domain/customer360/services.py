"""The 360° customer view: for one customer, across the business units the viewer may see,
identity and group, limits, exposure and available, aging, payment behaviour, score and grade
with reasons, bureau data and signals, open applications and the recent timeline.

Returns plain dataclasses; the chat card and the web page render them.

Open applications come from providers registered with :func:`register_open_applications`
(the approval workflow registers one); without any, the list is empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, account_scope, refuse
from credit_domain.accounts.exposure import Exposure, accounts_exposure, group_root
from credit_domain.accounts.models import CreditAccount
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.bureau.report import BureauReport
from credit_domain.bureau.services import latest_snapshot, recent_signals, signal_text
from credit_domain.clock import local_date
from credit_domain.customer360.events import of_accounts
from credit_domain.customers.models import Customer, CustomerAlias
from credit_domain.customers.services import find_accounts
from credit_domain.db.types import Money
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import Text, text_factory
from credit_domain.ledger.models import Invoice, Order, Payment
from credit_domain.orgs.models import BusinessUnit
from credit_domain.scoring.indicators import INDICATORS, days_between, payment_indicators
from credit_domain.scoring.models import CreditScore
from credit_domain.scoring.services import latest_score

_ = text_factory("credit_domain")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ApplicationSummary:
    """An open credit application as the view lists it."""

    application_id: int
    account_id: int
    reference: str
    kind: str
    amount: Decimal
    status: str
    submitted_at: dt.datetime | None


OpenApplications = Callable[[Session, Actor, list[int]], list[ApplicationSummary]]
_OPEN_APPLICATIONS: list[OpenApplications] = []


def register_open_applications(provider: OpenApplications) -> OpenApplications:
    """Extension point: ``provider(session, actor, account_ids)`` lists the open applications
    of those accounts (the approval workflow registers one)."""
    _OPEN_APPLICATIONS.append(provider)
    return provider


@dataclass(frozen=True)
class Aging:
    current: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    days_90_plus: Decimal

    @property
    def total(self) -> Decimal:
        return (self.current + self.days_1_30 + self.days_31_60 + self.days_61_90
                + self.days_90_plus)


@dataclass(frozen=True)
class PaymentBehaviour:
    paydex: Decimal | None
    days_beyond_terms: Decimal | None
    on_time_streak: int | None
    payments_12m: int
    paid_12m: Decimal
    last_payment_on: dt.date | None


@dataclass(frozen=True)
class Reason:
    indicator: str
    label: Text
    value: Any
    points: Decimal
    lost: Decimal
    note: str


@dataclass(frozen=True)
class ScoreView:
    score: float
    grade: str
    computed_at: dt.datetime
    suggested_limit: Decimal | None
    scorecard_version: int
    reasons: tuple[Reason, ...]
    caps: tuple[str, ...]


@dataclass(frozen=True)
class AccountView:
    account_id: int
    business_unit_id: int
    business_unit: str
    external_id: str | None
    owner: str | None
    status: str
    hold_reason: str | None
    payment_terms_days: int
    exposure: Exposure
    aging: Aging
    payment: PaymentBehaviour
    score: ScoreView | None
    open_applications: tuple[ApplicationSummary, ...] = ()
    score_row: CreditScore | None = None  # the stored score, with its full explanation


@dataclass(frozen=True)
class SignalView:
    kind: str
    severity: str
    summary: Text
    raised_at: dt.datetime


@dataclass(frozen=True)
class BureauView:
    provider: str
    fetched_at: dt.datetime
    report: BureauReport


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: dt.datetime
    actor: str
    action: str
    entity: str
    business_unit_id: int | None
    reason: str | None


@dataclass(frozen=True)
class CustomerView:
    customer_id: int
    legal_name: str
    uscc: str | None
    aliases: tuple[str, ...]
    industry: str | None
    established_on: dt.date | None
    group_root: str | None  # the group's top company, when the customer belongs to one
    group_members: tuple[str, ...]
    accounts: tuple[AccountView, ...]
    bureau: BureauView | None
    signals: tuple[SignalView, ...]
    timeline: tuple[TimelineEntry, ...] = field(default=())


def resolve_customer(session: Session, actor: Actor, query: str) -> int:
    """The one customer ``query`` (USCC, name, alias or part of a name) means among those the
    actor may see; a clear error when none or several match."""
    matches = find_accounts(session, actor, query, limit=20)
    customers = {m.customer_id: m.legal_name for m in matches}
    if not customers:
        raise NotFound(_("No customer you may see matches {query}.", query=query))
    if len(customers) > 1:
        raise InvalidInput(_("Several customers match {query}: {names}. Please be more "
                             "specific.", query=query, names="、".join(sorted(
                                 customers.values())[:8])))
    return next(iter(customers))


@dataclass(frozen=True)
class VisibleAccount:
    account_id: int
    business_unit: str  # code
    business_unit_name: str


def visible_accounts(domain: Domain, actor: Actor, customer_id: int) -> list[VisibleAccount]:
    """The customer's credit accounts the actor may see, by business unit code (the web
    customer page shows one of them and links the others). NotFound when the customer does
    not exist, Forbidden when the actor may see none of its accounts."""
    with domain.read() as session:
        if session.get(Customer, customer_id) is None:
            raise NotFound(_("Customer {id} does not exist.", id=customer_id))
        rows = session.execute(
            select(CreditAccount.id, BusinessUnit.code, BusinessUnit.name)
            .join(BusinessUnit, BusinessUnit.id == CreditAccount.business_unit_id)
            .where(CreditAccount.customer_id == customer_id, account_scope(actor))
            .order_by(BusinessUnit.code)).all()
    if not rows:
        raise refuse(actor, "see_customer", f"customer:{customer_id}",
                     _("You may not see this customer's credit in any business unit."))
    return [VisibleAccount(int(a), str(code), str(name)) for a, code, name in rows]


def customer_view(domain: Domain, actor: Actor, customer_id: int, *,
                  timeline: int = 15, signals: int = 10) -> CustomerView:
    """Everything about a customer the actor may see (see module docstring)."""
    with domain.read() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(_("Customer {id} does not exist.", id=customer_id))
        accounts = list(session.scalars(
            select(CreditAccount).where(CreditAccount.customer_id == customer_id,
                                        account_scope(actor))
            .order_by(CreditAccount.business_unit_id)))
        if not accounts:
            raise refuse(actor, "see_customer", f"customer:{customer_id}",
                         _("You may not see this customer's credit in any business unit."))
        ids = [a.id for a in accounts]
        today = local_date(domain.clock.now(), accounts[0].business_unit.timezone)
        apps = _applications(session, actor, ids)
        views = _account_views(session, accounts, today, apps)
        snap = latest_snapshot(session, customer_id)
        root_id = group_root(session, customer_id)
        return CustomerView(
            customer_id=customer.id, legal_name=customer.legal_name, uscc=customer.uscc,
            aliases=tuple(session.scalars(select(CustomerAlias.alias).where(
                CustomerAlias.customer_id == customer_id).order_by(CustomerAlias.alias))),
            industry=customer.industry, established_on=customer.established_on,
            group_root=_name(session, root_id) if root_id != customer_id or _has_children(
                session, customer_id) else None,
            group_members=_group_members(session, root_id),
            accounts=tuple(views),
            bureau=BureauView(snap.provider, snap.fetched_at, BureauReport.from_json(
                snap.report)) if snap is not None else None,
            signals=tuple(SignalView(s.kind, s.severity, signal_text(s), s.raised_at)
                          for s in recent_signals(session, customer_id, signals)),
            timeline=tuple(_timeline(session, customer_id, ids, timeline)),
        )


def _applications(session: Session, actor: Actor, ids: list[int]
                  ) -> dict[int, list[ApplicationSummary]]:
    out: dict[int, list[ApplicationSummary]] = {}
    for provider in _OPEN_APPLICATIONS:
        for app in provider(session, actor, ids):
            out.setdefault(app.account_id, []).append(app)
    return out


def _account_views(session: Session, accounts: list[CreditAccount], today: dt.date,
                   apps: dict[int, list[ApplicationSummary]]) -> list[AccountView]:
    ids = [a.id for a in accounts]
    exposure = accounts_exposure(session, ids, today)
    aging = aging_by_account(session, ids, today)
    pay = payment_indicators(session, today, ids)
    payments = _payments_12m(session, ids, today)
    views = []
    for a in accounts:
        p = pay.get(a.id, {})
        count, total, last = payments.get(a.id, (0, ZERO, None))
        row = latest_score(session, a.id)
        views.append(AccountView(
            account_id=a.id, business_unit_id=a.business_unit_id,
            business_unit=a.business_unit.name, external_id=a.external_id,
            owner=a.owner.name if a.owner else None, status=str(a.status),
            hold_reason=a.hold_reason, payment_terms_days=a.payment_terms_days,
            exposure=exposure[a.id],
            aging=aging.get(a.id, Aging(ZERO, ZERO, ZERO, ZERO, ZERO)),
            payment=PaymentBehaviour(p.get("paydex"), p.get("days_beyond_terms"),
                                     p.get("on_time_streak"), count, total, last),
            score=score_view(row) if row is not None else None,
            open_applications=tuple(apps.get(a.id, ())), score_row=row))
    return views


def aging_by_account(session: Session, ids: list[int], today: dt.date) -> dict[int, Aging]:
    """Open receivables by days past due: current, 1–30, 31–60, 61–90, 90+ (SQL)."""
    past = days_between(session, literal(today, Date), Invoice.due_date)

    def bucket(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, Invoice.open_amount),
                                           else_=literal(ZERO, Money()))),
                             literal(ZERO, Money()), type_=Money())

    rows = session.execute(
        select(Invoice.account_id, bucket(past <= 0), bucket(and_(past > 0, past <= 30)),
               bucket(and_(past > 30, past <= 60)), bucket(and_(past > 60, past <= 90)),
               bucket(past > 90))
        .where(Invoice.account_id.in_(ids), Invoice.open_amount > 0)
        .group_by(Invoice.account_id))
    return {int(r[0]): Aging(*r[1:]) for r in rows}


def _payments_12m(session: Session, ids: list[int], today: dt.date
                  ) -> dict[int, tuple[int, Decimal, dt.date | None]]:
    rows = session.execute(
        select(Payment.account_id, func.count(), func.sum(Payment.amount),
               func.max(Payment.received_on))
        .where(Payment.account_id.in_(ids),
               Payment.received_on > today - dt.timedelta(days=365),
               Payment.received_on <= today)
        .group_by(Payment.account_id))
    return {int(a): (int(n), total or ZERO, last) for a, n, total, last in rows}


def score_view(row: CreditScore) -> ScoreView:
    explanation = row.explanation or {}
    contributions = explanation.get("contributions", [])
    reasons = []
    for c in contributions:
        weight, points = Decimal(c["weight"]), Decimal(c["points"])
        lost = (weight * (100 - points)).quantize(Decimal("0.01"))
        if c["status"] != "excluded" and lost > 0:
            info = INDICATORS.get(c["indicator"])
            reasons.append(Reason(c["indicator"], info.label if info else Text(c["indicator"]),
                                  c["value"], points, lost, c.get("note", "")))
    reasons.sort(key=lambda r: r.lost, reverse=True)
    return ScoreView(row.score, row.grade, row.computed_at, row.suggested_limit,
                     row.policy_version, tuple(reasons[:3]), tuple(explanation.get("caps", [])))


def _timeline(session: Session, customer_id: int, ids: list[int], limit: int
              ) -> list[TimelineEntry]:
    order_ids = [str(i) for i in session.scalars(
        select(Order.id).where(Order.account_id.in_(ids)).order_by(Order.id.desc()).limit(50))]
    rows = session.scalars(
        select(AuditEvent).where(or_(
            of_accounts([str(i) for i in ids]),
            and_(AuditEvent.entity_type == "customer", AuditEvent.entity_id == str(customer_id)),
            and_(AuditEvent.entity_type == "order", AuditEvent.entity_id.in_(order_ids)),
        )).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit))
    zones: dict[int, str] = {row.id: row.timezone for row in session.execute(
        select(BusinessUnit.id, BusinessUnit.timezone))}
    return [TimelineEntry(  # at the business unit's local time, as the cards show times
        e.occurred_at.astimezone(ZoneInfo(zones.get(e.business_unit_id or 0) or "Asia/Shanghai")),
        e.actor_label, e.action, f"{e.entity_type}:{e.entity_id}", e.business_unit_id,
        e.reason) for e in rows]


def _name(session: Session, customer_id: int) -> str | None:
    return session.scalar(select(Customer.legal_name).where(Customer.id == customer_id))


def _has_children(session: Session, customer_id: int) -> bool:
    return session.scalar(select(Customer.id).where(Customer.parent_id == customer_id)
                          .limit(1)) is not None


def _group_members(session: Session, root_id: int) -> tuple[str, ...]:
    tree = select(Customer.id).where(Customer.id == root_id).cte("grp", recursive=True)
    tree = tree.union_all(select(Customer.id).where(Customer.parent_id == tree.c.id))
    names = session.scalars(select(Customer.legal_name).where(Customer.id.in_(select(tree.c.id)))
                            .order_by(Customer.legal_name))
    members = tuple(names)
    return members if len(members) > 1 else ()
