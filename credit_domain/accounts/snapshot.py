"""A customer's credit at a glance in one business unit: limit, temporary limits, exposure,
available, overdue and hold status, for the people who may see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, require_account
from credit_domain.accounts.exposure import Exposure, account_exposure
from credit_domain.accounts.models import TemporaryLimit, TemporaryLimitStatus
from credit_domain.clock import local_date


@dataclass(frozen=True)
class ActiveTemporaryLimit:
    amount: Decimal
    valid_from: dt.date
    valid_to: dt.date
    reason: str | None


@dataclass(frozen=True)
class CreditSnapshot:
    account_id: int
    customer_id: int
    legal_name: str
    uscc: str | None
    business_unit_id: int
    business_unit_code: str
    business_unit_name: str
    business_unit_name_en: str | None
    currency: str
    owner_name: str | None
    team_name: str | None
    status: str
    on_hold: bool
    hold_reason: str | None
    hold_since: dt.datetime | None
    grade: str | None
    score: float | None
    payment_terms_days: int
    review_date: dt.date | None
    exposure: Exposure
    temporary_limits: tuple[ActiveTemporaryLimit, ...]
    as_of: dt.date


def credit_snapshot(session: Session, actor: Actor, account_id: int,
                    now: dt.datetime) -> CreditSnapshot:
    """The credit of account ``account_id`` as of ``now`` (in the business unit's timezone);
    refused (NotFound / Forbidden) when ``actor`` may not see it."""
    account = require_account(session, actor, account_id)
    bu = account.business_unit
    today = local_date(now, bu.timezone)
    temporaries = session.scalars(
        select(TemporaryLimit).where(
            TemporaryLimit.account_id == account_id,
            TemporaryLimit.status == TemporaryLimitStatus.ACTIVE,
            TemporaryLimit.valid_from <= today, TemporaryLimit.valid_to >= today)
        .order_by(TemporaryLimit.valid_to)).all()
    return CreditSnapshot(
        account_id=account.id, customer_id=account.customer_id,
        legal_name=account.customer.legal_name, uscc=account.customer.uscc,
        business_unit_id=bu.id, business_unit_code=bu.code, business_unit_name=bu.name,
        business_unit_name_en=bu.name_en, currency=bu.currency,
        owner_name=account.owner.name if account.owner else None,
        team_name=account.team.name if account.team else None,
        status=str(account.status), on_hold=account.on_hold, hold_reason=account.hold_reason,
        hold_since=account.hold_since, grade=account.grade, score=account.score,
        payment_terms_days=account.payment_terms_days, review_date=account.review_date,
        exposure=account_exposure(session, account_id, today),
        temporary_limits=tuple(ActiveTemporaryLimit(t.amount, t.valid_from, t.valid_to,
                                                    t.reason) for t in temporaries),
        as_of=today,
    )
