"""Digests: a daily summary per team (on working days) and a weekly one per business unit
with headline figures and the head of the unit's audit chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from credit_domain.accounts.models import CreditAccount
from credit_domain.audit.chain import ChainReport, verify_chains
from credit_domain.audit.models import AuditEvent
from credit_domain.i18n import Text, text_factory
from credit_domain.monitoring.alerts import Alert, raise_alert
from credit_domain.monitoring.figures import (
    BookFigures,
    book_figures,
    largest_overdue,
    overdue_beyond,
)
from credit_domain.monitoring.models import RaisedAlert
from credit_domain.monitoring.policy import MonitoringPolicy
from credit_domain.monitoring.reviews import overdue_reviews
from credit_domain.monitoring.runner import JobContext, Unit
from credit_domain.monitoring.severity import Severity
from credit_domain.orgs.models import Team

_ = text_factory("credit_domain")
DIGEST_TYPES = ("daily_digest", "weekly_digest")


def daily_digest(ctx: JobContext) -> None:
    """The ``daily-digest`` job: one summary per team with accounts, on working days."""
    ctx.for_each_unit(daily_for_unit)


def weekly_digest(ctx: JobContext) -> None:
    """The ``weekly-digest`` job: one summary per business unit."""
    ctx.for_each_unit(weekly_for_unit)


def _book_fields(f: BookFigures) -> list[tuple[Text, Text | str]]:
    return [
        (_("Accounts"), _("{count} ({held} on hold)", count=f.accounts, held=f.on_hold)),
        (_("Effective limit"), _("{amount}", amount=f.effective_limit)),
        (_("Exposure"), _("{amount} ({share} of the limit)", amount=f.exposure,
                          share=f.utilisation)),
        (_("Overdue"), _("{amount} ({share} of receivables)", amount=f.overdue,
                         share=f.overdue_share)),
        (_("At 90% of the limit or more"), str(f.near_limit)),
    ]


def _alerts_since(session: Session, business_unit_id: int, since: dt.datetime,
                  alert: str | None = None, account_scope: Select[Any] | None = None) -> int:
    stmt = select(func.count()).select_from(RaisedAlert).where(
        RaisedAlert.business_unit_id == business_unit_id, RaisedAlert.raised_at >= since,
        RaisedAlert.alert.not_in(DIGEST_TYPES))
    if alert is not None:
        stmt = stmt.where(RaisedAlert.alert == alert)
    if account_scope is not None:
        stmt = stmt.where(RaisedAlert.account_id.in_(account_scope))
    return int(session.scalar(stmt) or 0)


def daily_for_unit(ctx: JobContext, unit: Unit) -> None:
    policy: MonitoringPolicy = ctx.domain.policies.get(unit.id, "monitoring")
    today = ctx.today(unit)
    if not policy.digests.daily:
        return
    if not unit.calendar.is_working_day(today):
        ctx.report.notes.append(f"{unit.code}: {today} is not a working day; no daily digest")
        return
    start = dt.datetime.combine(today, dt.time(0), unit.calendar.tz)
    with ctx.domain.read() as session:
        teams = session.execute(
            select(Team.id, Team.name).where(Team.business_unit_id == unit.id)
            .where(Team.id.in_(select(CreditAccount.team_id))).order_by(Team.code)).all()
        digests = []
        for team_id, team_name in teams:
            scope = CreditAccount.team_id == team_id
            figures = book_figures(session, today, scope)
            new_overdue = _alerts_since(session, unit.id, start, "invoice_overdue",
                                        select(CreditAccount.id).where(scope))
            top = largest_overdue(session, today, scope, policy.digests.top_accounts)
            digests.append((team_id, team_name, figures, new_overdue, top))
    for team_id, team_name, figures, new_overdue, top in digests:
        fields = [*_book_fields(figures), (_("New overdue invoices today"), str(new_overdue))]
        with ctx.step(unit, f"team {team_id}") as uow:
            raised = raise_alert(uow, ctx.domain.policies, Alert(
                type="daily_digest", key=f"digest:daily:team:{team_id}:{today.isoformat()}",
                business_unit_id=unit.id, severity=Severity.INFO, team_id=team_id,
                title=_("Daily credit summary of {team}, {date}", team=team_name,
                        date=today.isoformat()),
                lines=tuple(_("Largest overdue: {customer}, {amount}", customer=name,
                              amount=amount) for name, amount in top),
                fields=tuple(fields),
            ))
            if raised.new:
                ctx.report.count(unit, "team digests")


def _chain(ctx: JobContext, session: Session) -> ChainReport:
    """The audit chains, verified once per run (every unit's digest shares the walk)."""
    if "chains" not in ctx.cache:
        ctx.cache["chains"] = verify_chains(session)
    report: ChainReport = ctx.cache["chains"]
    return report


def _chain_line(ctx: JobContext, session: Session, unit: Unit) -> Text:
    chain = f"bu:{unit.id}"
    report = _chain(ctx, session)
    events = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.chain == chain)) or 0
    if report.broken_chain == chain:
        return _("Audit chain BROKEN at event {seq}: {problem}", seq=report.broken_seq,
                 problem=report.problem)
    head = report.heads.get(chain)
    if head is None:
        return _("Audit chain not verified (another chain is broken first).")
    return _("Audit chain verified: {events} events, head {head}", events=events,
             head=head[:16])


def weekly_for_unit(ctx: JobContext, unit: Unit) -> None:
    policy: MonitoringPolicy = ctx.domain.policies.get(unit.id, "monitoring")
    if not policy.digests.weekly:
        return
    today = ctx.today(unit)
    since = ctx.now - dt.timedelta(days=7)
    scope = CreditAccount.business_unit_id == unit.id
    year, week, _day = today.isocalendar()
    with ctx.domain.read() as session:
        figures = book_figures(session, today, scope)
        beyond_90 = overdue_beyond(session, today, 90, scope)
        top = largest_overdue(session, today, scope, policy.digests.top_accounts)
        reviews, _lines = overdue_reviews(session, unit.id, today, 1)
        holds = _audits_since(session, unit.id, since, "hold.placed")
        expired = _audits_since(session, unit.id, since, "temporary_limit.expired")
        new_overdue = _alerts_since(session, unit.id, since, "invoice_overdue")
        alerts = _alerts_since(session, unit.id, since)
        chain = _chain_line(ctx, session, unit)
    fields = [*_book_fields(figures),
              (_("Overdue more than 90 days"), _("{amount}", amount=beyond_90)),
              (_("Past review date"), str(reviews)),
              (_("This week"), _("{overdue} new overdue invoices, {holds} holds, {expired} "
                                 "temporary limits expired, {alerts} alerts",
                                 overdue=new_overdue, holds=holds, expired=expired,
                                 alerts=alerts))]
    lines = [*(_("Largest overdue: {customer}, {amount}", customer=name, amount=amount)
               for name, amount in top), chain]
    with ctx.step(unit, "weekly digest") as uow:
        raised = raise_alert(uow, ctx.domain.policies, Alert(
            type="weekly_digest", key=f"digest:weekly:{unit.id}:{year}-W{week:02d}",
            business_unit_id=unit.id, severity=Severity.INFO,
            title=_("Weekly credit report of {unit}, week {week}", unit=unit.name,
                    week=f"{year}-W{week:02d}"),
            lines=tuple(lines), fields=tuple(fields),
        ))
        if raised.new:
            ctx.report.count(unit, "unit digests")


def _audits_since(session: Session, business_unit_id: int, since: dt.datetime,
                  action: str) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.business_unit_id == business_unit_id, AuditEvent.action == action,
        AuditEvent.occurred_at >= since)) or 0)
