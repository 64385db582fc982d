"""Credit review due: accounts past their review date, listed to the credit admin once per
week and business unit; and, from November, a reminder to enter next year's public holidays
while neither the ``chinesecalendar`` package nor an administrator has them (SLAs would count
the Spring Festival as working days)."""

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
    _accounts(ctx, unit)
    _holidays(ctx, unit)


def holidays_missing(unit: Unit, today: dt.date) -> int | None:
    """The year whose public holidays the unit's calendar lacks and someone should enter:
    this year's, or from November next year's (the State Council announces them then)."""
    for year in (today.year, today.year + 1) if today.month >= 11 else (today.year,):
        if unit.calendar.source(year) == "missing":
            return year
    return None


def _holidays(ctx: JobContext, unit: Unit) -> None:
    today = ctx.today(unit)
    year = holidays_missing(unit, today)
    if year is None:
        return
    iso_year, week, _day = today.isocalendar()
    with ctx.step(unit, "holiday schedule") as uow:
        raise_alert(uow, ctx.domain.policies, Alert(
            type="holidays_missing", key=f"holidays:{unit.id}:{year}:{iso_year}-W{week:02d}",
            business_unit_id=unit.id,
            severity=Severity.WARNING if year == today.year else Severity.INFO,
            title=_("The public holidays of {year} are not entered yet", year=year),
            lines=(_("Until they are, SLAs and quiet hours count Monday to Friday as working "
                     "days, holidays included. Enter them as the State Council announced them: "
                     "reply “holidays off {year}-10-01 to {year}-10-07 National Day”, and "
                     "“holidays work …” for each make-up workday.", year=year),),
        ))


def _accounts(ctx: JobContext, unit: Unit) -> None:
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
