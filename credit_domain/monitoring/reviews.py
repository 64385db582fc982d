"""Credit review due: accounts past their review date, listed to the credit admin once per
week and business unit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.customers.models import Customer
from credit_domain.i18n import Text, text_factory
from credit_domain.monitoring.alerts import Alert, raise_alert
from credit_domain.monitoring.policy import MonitoringPolicy
from credit_domain.monitoring.runner import JobContext, Unit
from credit_domain.monitoring.severity import Severity
from credit_domain.orgs.models import Person

_ = text_factory("credit_domain")


def review_due(ctx: JobContext) -> None:
    """The ``review-due`` job: every business unit."""
    ctx.for_each_unit(scan_unit)


def overdue_reviews(session: Session, business_unit_id: int, today: dt.date,
                    limit: int) -> tuple[int, list[Text]]:
    """How many open accounts are past their review date, and a line for the first
    ``limit`` of them (longest overdue first)."""
    where = (CreditAccount.business_unit_id == business_unit_id,
             CreditAccount.status != AccountStatus.CLOSED, CreditAccount.review_date < today)
    total = session.scalar(select(func.count()).select_from(CreditAccount).where(*where)) or 0
    rows = session.execute(
        select(Customer.legal_name, CreditAccount.review_date, Person.name)
        .join(Customer, Customer.id == CreditAccount.customer_id)
        .outerjoin(Person, Person.id == CreditAccount.owner_id)
        .where(*where).order_by(CreditAccount.review_date, CreditAccount.id).limit(limit))
    lines = [_("{customer}: review was due {date} ({days} days ago), {owner}",
               customer=name, date=due.isoformat(), days=(today - due).days,
               owner=owner or "-") for name, due, owner in rows if due is not None]
    return int(total), lines


def scan_unit(ctx: JobContext, unit: Unit) -> None:
    policy: MonitoringPolicy = ctx.domain.policies.get(unit.id, "monitoring")
    today = ctx.today(unit)
    with ctx.domain.read() as session:
        total, lines = overdue_reviews(session, unit.id, today, policy.review.list_limit)
    if not total:
        return
    if total > len(lines):
        lines.append(_("… and {count} more.", count=total - len(lines)))
    year, week, _day = today.isocalendar()
    with ctx.step(unit, "review list") as uow:
        raised = raise_alert(uow, ctx.domain.policies, Alert(
            type="review_due", key=f"review:{unit.id}:{year}-W{week:02d}",
            business_unit_id=unit.id, severity=Severity.INFO,
            title=_("{count} credit accounts are past their review date", count=total),
            lines=tuple(lines),
        ))
        if raised.new:
            ctx.report.count(unit, "accounts past review date", total)
