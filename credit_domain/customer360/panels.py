"""The 360° view's panels on the web customer page (``credit_domain.analytics`` reserves the
places ``score`` and ``bureau``): the scorecard's result with the reasons that cost the most
points and the caps that limit the grade, and the company record with its recent signals —
each as it stood at the end of the page's date.

The open applications (``applications``) and the recent activity (``timeline``) panels are
registered by the workflow and by this module respectively.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from numbers import Real
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session

from credit_domain.accounts.models import CreditAccount
from credit_domain.analytics.extensions import CustomerPanel, customer_panels
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain, installer
from credit_domain.bureau.models import BureauSignal
from credit_domain.bureau.services import latest_report, signal_text
from credit_domain.bureau.signals import KIND_TEXT
from credit_domain.customer360.events import actor_name, label, of_account
from credit_domain.customer360.services import score_view
from credit_domain.i18n import Text, text_factory
from credit_domain.ledger.models import Order
from credit_domain.scoring.models import CreditScore

_ = text_factory("credit_domain")
SIGNALS_SHOWN = 5
ACTIVITY_SHOWN = 10


def day_end(account: CreditAccount, as_of: dt.date) -> dt.datetime:
    """The last instant of ``as_of`` in the account's business unit."""
    tz = ZoneInfo(account.business_unit.timezone)
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(
        dt.UTC) - dt.timedelta(microseconds=1)


def indicator_text(value: object) -> str:
    """An indicator's value as stored with the score (numbers as decimal strings)."""
    if value is None:
        return "—"
    if isinstance(value, Decimal | Real) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:  # a category, e.g. the registration status
            return value
        if number.is_finite():
            return f"{number:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def score_panel(session: Session, account_id: int, as_of: dt.date) -> CustomerPanel | None:
    """Score, grade, suggested limit, the three indicators that cost the most points and
    the caps, from the latest score computed by the end of ``as_of``."""
    account = session.get(CreditAccount, account_id)
    if account is None:
        return None
    row = session.scalars(
        select(CreditScore).where(CreditScore.account_id == account_id,
                                  CreditScore.computed_at <= day_end(account, as_of))
        .order_by(CreditScore.computed_at.desc(), CreditScore.id.desc()).limit(1)).first()
    title = _("Score and grade reasons")
    if row is None:
        return CustomerPanel(title, note=_("Not scored yet."))
    view = score_view(row)
    lines: list[tuple[Text | str, Text | str]] = [
        (_("Score"), f"{view.score:.1f} / 100"),
        (_("Grade"), view.grade),
        (_("Suggested limit"), _("{amount}", amount=view.suggested_limit)
         if view.suggested_limit is not None else "—"),
        (_("Scored"), _("{date} (scorecard version {version})",
                        date=view.computed_at.date().isoformat(),
                        version=view.scorecard_version)),
    ]
    lines += [(r.label, _("{value}: {lost} points below full marks", value=indicator_text(r.value),
                          lost=r.lost)) for r in view.reasons]
    lines += [(_("Grade capped"), cap) for cap in view.caps]
    return CustomerPanel(title, tuple(lines))


def bureau_panel(session: Session, account_id: int, as_of: dt.date) -> CustomerPanel | None:
    """The company record (status, capital, establishment, legal representative) and its
    latest signals, as known by the end of ``as_of``."""
    account = session.get(CreditAccount, account_id)
    if account is None:
        return None
    end = day_end(account, as_of)
    title = _("Bureau record and signals")
    report = latest_report(session, account.customer_id, end)
    if report is None:
        return CustomerPanel(title, note=_("No bureau record fetched yet."))
    lines: list[tuple[Text | str, Text | str]] = [
        (_("Registration status"), report.status_text or str(report.status)),
        (_("Registered capital"), _("{amount}", amount=report.registered_capital)
         if report.registered_capital is not None else "—"),
        (_("Established"), report.established_on.isoformat() if report.established_on else "—"),
        (_("Legal representative"), report.legal_representative or "—"),
    ]
    signals = session.scalars(
        select(BureauSignal).where(BureauSignal.customer_id == account.customer_id,
                                   BureauSignal.raised_at <= end)
        .order_by(BureauSignal.raised_at.desc(), BureauSignal.id.desc())
        .limit(SIGNALS_SHOWN)).all()
    for s in signals:
        what = KIND_TEXT.get(s.kind)
        lines.append((_("{date} · {what}", date=s.raised_at.date().isoformat(),
                        what=what if what is not None else s.kind), signal_text(s)))
    note = None if signals else _("No bureau signals.")
    return CustomerPanel(title, tuple(lines), note)


def timeline_panel(session: Session, account_id: int, as_of: dt.date) -> CustomerPanel | None:
    """The latest audited changes of the account and its orders by the end of ``as_of``:
    who, what, why."""
    account = session.get(CreditAccount, account_id)
    if account is None:
        return None
    orders = select(cast(Order.id, String)).where(Order.account_id == account_id)
    rows = session.scalars(
        select(AuditEvent).where(
            AuditEvent.occurred_at <= day_end(account, as_of),
            or_(of_account(account_id),
                and_(AuditEvent.entity_type == "order",
                     AuditEvent.entity_id.in_(orders))))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(ACTIVITY_SHOWN))
    zone = ZoneInfo(account.business_unit.timezone)
    lines: list[tuple[Text | str, Text | str]] = [
        (_("{date} · {what}", date=e.occurred_at.astimezone(zone).date().isoformat(),
           what=label(e.action)),
         " — ".join(p for p in (actor_name(e.actor_label), e.reason) if p)) for e in rows]
    return CustomerPanel(_("Recent activity"), tuple(lines),
                         None if lines else _("Nothing recorded yet."))


@installer
def install_panels(domain: Domain) -> None:
    """The score, bureau and activity panels of the web customer page."""
    panels = customer_panels(domain)
    panels["score"] = score_panel
    panels["bureau"] = bureau_panel
    panels["timeline"] = timeline_panel
