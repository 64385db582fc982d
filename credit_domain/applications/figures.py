"""The approval workflow's figures on the dashboards: applications waiting for a decision in
the viewer's scope, and how long they have waited.

As of a date ``D`` (end of day in the unit's timezone), an application counts as pending when
it was submitted by then and had no final decision by then: ``submitted_at <= D`` and
(``decided_at`` is empty or after ``D``). Age = ``D − submitted_at`` in days.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from credit_domain.accounts.models import CreditAccount
from credit_domain.analytics.extensions import PENDING_APPLICATIONS, FigureContext, figures
from credit_domain.analytics.report import ExtraFigure
from credit_domain.applications.models import Application, ApplicationStatus
from credit_domain.bootstrap import Domain, installer
from credit_domain.i18n import text_factory

_ = text_factory("credit_domain")


def pending_application_figures(session: Session, ctx: FigureContext) -> Sequence[ExtraFigure]:
    """Count, average age and oldest age (days) of pending applications in scope."""
    stmt = (
        select(Application.submitted_at)
        .join(CreditAccount, CreditAccount.id == Application.account_id)
        .where(ctx.accounts, Application.submitted_at.is_not(None),
               Application.submitted_at <= ctx.day_end,
               Application.status != ApplicationStatus.DRAFT)
    )
    if ctx.current:
        stmt = stmt.where(Application.status.in_(
            (ApplicationStatus.PENDING, ApplicationStatus.RETURNED)))
    else:
        stmt = stmt.where(or_(Application.decided_at.is_(None),
                              Application.decided_at > ctx.day_end))
    ages = [(ctx.day_end - submitted).total_seconds() / 86400
            for submitted in session.scalars(stmt) if submitted is not None]  # open ones only
    average = (Decimal(str(sum(ages) / len(ages))).quantize(Decimal("0.1"), ROUND_HALF_UP)
               if ages else None)
    oldest = Decimal(str(max(ages))).quantize(Decimal("0.1"), ROUND_HALF_UP) if ages else None
    return (
        ExtraFigure("pending_applications", _("Pending applications"), len(ages), "count"),
        ExtraFigure("pending_average_days", _("Average wait of pending applications"),
                    average, "days"),
        ExtraFigure("pending_oldest_days", _("Oldest pending application"), oldest, "days"),
    )


@installer
def install(domain: Domain) -> None:
    figures(domain)[PENDING_APPLICATIONS] = pending_application_figures
