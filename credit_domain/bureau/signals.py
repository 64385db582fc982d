"""Comparing a new snapshot with the last one: what changed that a credit manager must know.

Record signals (each new record raises one, identified by its ``ref``):
``new_lawsuit`` (as defendant), ``new_enforcement``, ``dishonest_debtor``, ``equity_freeze``,
``abnormal_operation`` (still listed). Field signals: ``status_change``,
``legal_representative_change``. On a customer's first snapshot, record signals are raised
for what is current and recent (lawsuits filed in the last 12 months; every
dishonest-debtor listing, enforcement, freeze and abnormal-operation listing still in force)
and a status
other than "in business" is raised too; there is nothing to compare the fields with yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from credit_domain.bureau.report import BureauReport, CompanyStatus
from credit_domain.i18n import Text, text_factory

_ = text_factory("credit_domain")

KIND_TEXT: dict[str, Text] = {
    "new_lawsuit": _("new lawsuit as defendant"),
    "new_enforcement": _("new court enforcement"),
    "dishonest_debtor": _("listed as a dishonest judgment debtor"),
    "equity_freeze": _("equity freeze"),
    "abnormal_operation": _("listed for abnormal operations"),
    "status_change": _("registration status changed"),
    "legal_representative_change": _("legal representative changed"),
}
SIGNAL_KINDS = tuple(KIND_TEXT)


@dataclass(frozen=True)
class Signal:
    kind: str
    ref: str
    severity: str  # info | warn | danger
    summary: Text
    details: dict[str, Any] = field(default_factory=dict)


def detect(previous: BureauReport | None, current: BureauReport, today: dt.date
           ) -> list[Signal]:
    """Signals raised by ``current`` compared with ``previous`` (None: the first snapshot)."""
    recent = today - dt.timedelta(days=365)
    first = previous is None
    signals: list[Signal] = []

    def new(items: Iterable[Any], old: Iterable[Any]) -> list[Any]:
        known = {i.ref for i in old}
        return [i for i in items if i.ref not in known]

    before = previous or BureauReport(current.provider, current.name, current.uscc,
                                      CompanyStatus.UNKNOWN, "", None, None, None)
    for s in new(current.lawsuits, before.lawsuits):
        if s.role == "defendant" and not (first and s.filed_on and s.filed_on < recent):
            signals.append(Signal("new_lawsuit", s.ref, "warn", _(
                "Sued: {cause}, case {case}, {court}, filed {date}.", cause=s.cause,
                case=s.case_no, court=s.court, date=_iso(s.filed_on)),
                {"case_no": s.case_no, "cause": s.cause, "court": s.court,
                 "filed_on": _iso(s.filed_on)}))
    for e in new(current.enforcements, before.enforcements):
        signals.append(Signal("new_enforcement", e.ref, "danger", _(
            "Court enforcement {case} at {court}, amount {amount}, filed {date}.",
            case=e.case_no, court=e.court, amount=e.amount if e.amount is not None else "-",
            date=_iso(e.filed_on)),
            {"case_no": e.case_no, "court": e.court, "filed_on": _iso(e.filed_on),
             "amount": str(e.amount) if e.amount is not None else None}))
    for d in new(current.dishonest, before.dishonest):
        signals.append(Signal("dishonest_debtor", d.ref, "danger", _(
            "Listed as a dishonest judgment debtor (失信被执行人): case {case}, {court}, "
            "published {date}.", case=d.case_no, court=d.court, date=_iso(d.published_on)),
            {"case_no": d.case_no, "court": d.court, "published_on": _iso(d.published_on),
             "performance": d.performance}))
    for f in new(current.equity_freezes, before.equity_freezes):
        signals.append(Signal("equity_freeze", f.ref, "danger", _(
            "Equity frozen by {court} ({notice}): {amount}.", court=f.court,
            notice=f.notice_no, amount=f.amount),
            {"notice_no": f.notice_no, "court": f.court, "amount": f.amount}))
    for a in new(current.abnormal_operations, before.abnormal_operations):
        if a.removed_on is None:
            signals.append(Signal("abnormal_operation", a.ref, "warn", _(
                "Listed for abnormal operations on {date}: {reason}.",
                date=_iso(a.listed_on), reason=a.reason),
                {"reason": a.reason, "listed_on": _iso(a.listed_on)}))
    signals.extend(_field_changes(previous, current, today))
    return signals


def _field_changes(previous: BureauReport | None, current: BureauReport, today: dt.date
                   ) -> list[Signal]:
    out: list[Signal] = []
    bad = current.status not in (CompanyStatus.ACTIVE, CompanyStatus.UNKNOWN)
    if (previous is None and bad) or (previous is not None
                                      and previous.status != current.status):
        old = previous.status_text if previous else ""
        out.append(Signal(
            "status_change", f"{current.status.value}:{today.isoformat()}",
            "danger" if bad else "info",
            _("Registration status is now {new} (was {old}).", new=current.status_text,
              old=old or "-"),
            {"old": old, "new": current.status_text, "status": current.status.value}))
    if (previous is not None and previous.legal_representative and current.legal_representative
            and previous.legal_representative != current.legal_representative):
        out.append(Signal(
            "legal_representative_change", f"{current.legal_representative}:{today.isoformat()}",
            "warn", _("Legal representative changed from {old} to {new}.",
                      old=previous.legal_representative, new=current.legal_representative),
            {"old": previous.legal_representative, "new": current.legal_representative}))
    return out


def _iso(d: dt.date | None) -> str:
    return d.isoformat() if d else "-"
