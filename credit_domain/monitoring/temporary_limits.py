"""Temporary limits (临时额度): a notice ``notice_days`` before one ends, and on the first day
after its last valid day it is marked expired, audited, and the account's exposure is
re-evaluated against what remains of its limit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.models import CreditAccount, TemporaryLimit, TemporaryLimitStatus
from credit_domain.customers.links import customer_path
from credit_domain.customers.models import Customer
from credit_domain.events import LimitChanged
from credit_domain.i18n import Text, text_factory
from credit_domain.monitoring.alerts import Alert, raise_alert
from credit_domain.monitoring.policy import MonitoringPolicy
from credit_domain.monitoring.runner import JobContext, Unit
from credit_domain.monitoring.severity import Severity
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")


def temporary_limits(ctx: JobContext) -> None:
    """The ``temporary-limits`` job: notices and expiries in every business unit."""
    ctx.for_each_unit(scan_unit)


def scan_unit(ctx: JobContext, unit: Unit) -> None:
    policy: MonitoringPolicy = ctx.domain.policies.get(unit.id, "monitoring")
    today = ctx.today(unit)
    horizon = today + dt.timedelta(days=policy.temporary_limits.notice_days)
    base = (select(TemporaryLimit.id, TemporaryLimit.account_id, TemporaryLimit.valid_to)
            .join(CreditAccount, CreditAccount.id == TemporaryLimit.account_id)
            .where(CreditAccount.business_unit_id == unit.id,
                   TemporaryLimit.status == TemporaryLimitStatus.ACTIVE)
            .order_by(TemporaryLimit.valid_to, TemporaryLimit.id))
    with ctx.domain.read() as session:
        expired = session.execute(base.where(TemporaryLimit.valid_to < today)).all()
        ending = [] if not policy.temporary_limits.notice_days else session.execute(
            base.where(TemporaryLimit.valid_to >= today, TemporaryLimit.valid_to < horizon,
                       TemporaryLimit.valid_from <= today)).all()
    for limit_id, _account_id, _valid_to in expired:
        with ctx.step(unit, f"temporary limit {limit_id}") as uow:
            expire(ctx, uow, unit, limit_id, today)
            ctx.report.count(unit, "temporary limits expired")
    for limit_id, account_id, valid_to in ending:
        with ctx.step(unit, f"temporary limit {limit_id}") as uow:
            if _notice(ctx, uow, unit, limit_id, account_id, valid_to, today):
                ctx.report.count(unit, "expiry notices")


def expire(ctx: JobContext, uow: UnitOfWork, unit: Unit, limit_id: int, today: dt.date) -> None:
    """Mark one temporary limit expired and alert with the account's new position."""
    limit = uow.session.get(TemporaryLimit, limit_id)
    if limit is None or limit.status != TemporaryLimitStatus.ACTIVE:
        return
    account = uow.lock_account(limit.account_id)
    before = account_exposure(uow.session, account.id, limit.valid_to)
    limit.status = TemporaryLimitStatus.EXPIRED
    account.version += 1
    account.updated_at = uow.now()
    uow.session.flush()
    after = account_exposure(uow.session, account.id, today)
    uow.audit("temporary_limit.expired", "credit_account", account.id,
              business_unit_id=unit.id,
              before={"status": TemporaryLimitStatus.ACTIVE, "effective_limit":
                      before.effective_limit},
              after={"temporary_limit_id": limit.id, "status": limit.status,
                     "effective_limit": after.effective_limit,
                     "exposure": after.exposure, "available": after.available},
              reason=f"valid to {limit.valid_to.isoformat()}")
    uow.publish(LimitChanged(unit.id, account.id, before.effective_limit,
                             after.effective_limit, reason="temporary limit expired"))
    customer_id, customer = _customer(uow, account.id)
    over = after.available < 0
    lines = [_("The temporary limit of {amount} ended on {date}.", amount=limit.amount,
               date=limit.valid_to.isoformat())]
    if over:
        lines.append(_("Exposure is now {over} above the limit: new orders will be refused.",
                       over=-after.available))
    raise_alert(uow, ctx.domain.policies, Alert(
        type="temporary_limit_expired", key=f"templimit:{limit.id}:expired",
        business_unit_id=unit.id, severity=Severity.WARNING if over else Severity.INFO,
        account_id=account.id,
        title=_("Temporary limit of {customer} has expired", customer=customer),
        lines=tuple(lines),
        fields=_position_fields(customer, after.effective_limit, after.exposure,
                                after.available),
        link=customer_path(customer_id), facts={"amount": limit.amount},
    ))


def _notice(ctx: JobContext, uow: UnitOfWork, unit: Unit, limit_id: int, account_id: int,
            valid_to: dt.date, today: dt.date) -> bool:
    limit = uow.session.get(TemporaryLimit, limit_id)
    if limit is None:
        return False
    customer_id, customer = _customer(uow, account_id)
    days = (valid_to - today).days
    raised = raise_alert(uow, ctx.domain.policies, Alert(
        type="temporary_limit_expiring", key=f"templimit:{limit_id}:expiring",
        business_unit_id=unit.id, severity=Severity.INFO, account_id=account_id,
        title=_("Temporary limit of {customer} ends in {days} days", customer=customer,
                days=days),
        lines=(_("The temporary limit of {amount} is valid until {date} inclusive.",
                 amount=limit.amount, date=valid_to.isoformat()),),
        fields=((_("Customer"), customer), (_("Temporary limit"),
                                            _("{amount}", amount=limit.amount))),
        link=customer_path(customer_id), facts={"amount": limit.amount},
    ))
    return raised.new


def _position_fields(customer: str, limit: Decimal, exposure: Decimal, available: Decimal
                     ) -> tuple[tuple[Text, Text | str], ...]:
    return ((_("Customer"), customer), (_("Effective limit"), _("{amount}", amount=limit)),
            (_("Exposure"), _("{amount}", amount=exposure)),
            (_("Available"), _("{amount}", amount=available)))


def _customer(uow: UnitOfWork, account_id: int) -> tuple[int, str]:
    row = uow.session.execute(
        select(Customer.id, Customer.legal_name)
        .join(CreditAccount, CreditAccount.customer_id == Customer.id)
        .where(CreditAccount.id == account_id)).one()
    return int(row[0]), str(row[1])
