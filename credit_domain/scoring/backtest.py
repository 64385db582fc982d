"""How well the scorecard separates customers who later went 90+ days overdue.

Method (``outcome = overdue90``):

1. Population: accounts with at least one invoice issued on or before ``since`` (they had a
   history to score). Accounts already 90+ days overdue on ``since`` are left out: they are
   known bads, not predictions.
2. Score: what the scorecard in force *today* would have given on ``since``, from the data as
   it stood then (invoices issued and payments applied by that date, the newest bureau
   snapshot taken by then). Utilisation uses the open receivables of that day over today's
   limit (limit history is not kept).
3. Outcome: bad when some invoice passed 90 days past due, unpaid, between ``since`` and
   ``until`` (default: today); good otherwise.
4. AUC: the probability that a random good scores above a random bad (ties count half;
   0.5 = no better than chance, 1.0 = perfect). KS: the largest gap between the cumulative
   score distributions of bads and goods, with the score where it occurs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.types import Date

from credit_domain.bootstrap import Domain
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.ledger.models import Invoice
from credit_domain.scoring.indicators import days_between
from credit_domain.scoring.services import compute

_ = text_factory("credit_domain")
OUTCOMES = ("overdue90",)


@dataclass(frozen=True)
class BacktestResult:
    since: dt.date
    until: dt.date
    outcome: str
    goods: int
    bads: int
    excluded: int  # already bad at the start
    auc: float | None
    ks: float | None
    ks_score: Decimal | None
    by_grade: tuple[tuple[str, int, int], ...]  # grade, accounts, bads (best grade first)

    @property
    def count(self) -> int:
        return self.goods + self.bads


def _exact(score: float | Decimal) -> Decimal:
    """Scores compared as written (ties stay ties)."""
    return score if isinstance(score, Decimal) else Decimal(str(score))


def auc(goods: Sequence[float | Decimal], bads: Sequence[float | Decimal]) -> float | None:
    """P(good score > bad score) + ½·P(equal), by ranks (Mann–Whitney U)."""
    if not goods or not bads:
        return None
    ranked = sorted([(_exact(s), 1) for s in goods] + [(_exact(s), 0) for s in bads])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2  # average rank of the tied run (1-based)
        rank_sum += mean_rank * sum(flag for _s, flag in ranked[i:j])
        i = j
    n_good, n_bad = len(goods), len(bads)
    return (rank_sum - n_good * (n_good + 1) / 2) / (n_good * n_bad)


def ks(goods: Sequence[float | Decimal], bads: Sequence[float | Decimal]
       ) -> tuple[float | None, Decimal | None]:
    """max over scores s of |F_bad(s) − F_good(s)| (F = share scoring at or below s)."""
    if not goods or not bads:
        return None, None
    best, at = 0.0, None
    for s in sorted({Decimal(str(x)) for x in [*goods, *bads]}):
        f_bad = sum(1 for b in bads if Decimal(str(b)) <= s) / len(bads)
        f_good = sum(1 for g in goods if Decimal(str(g)) <= s) / len(goods)
        if abs(f_bad - f_good) > best:
            best, at = abs(f_bad - f_good), s
    return best, at


def backtest(domain: Domain, *, since: dt.date, until: dt.date | None = None,
             outcome: str = "overdue90", business_unit_id: int | None = None
             ) -> BacktestResult:
    """Score every account as of ``since`` and compare with what happened (module doc)."""
    if outcome not in OUTCOMES:
        raise InvalidInput(_("Unknown outcome {outcome}; known: {known}", outcome=outcome,
                             known=", ".join(OUTCOMES)))
    until = until or domain.clock.now().date()
    if since >= until:
        raise InvalidInput(_("The backtest start {since} must be before its end {until}.",
                             since=since.isoformat(), until=until.isoformat()))
    with domain.read() as session:
        population, known_bad = _population(session, since, business_unit_id)
        bad = _went_bad(session, since, until, population)
        scored = compute(domain.policies, session, sorted(population), since)
    goods = [s.result.score for s in scored if s.account_id not in bad]
    bads = [s.result.score for s in scored if s.account_id in bad]
    grades = Counter(s.result.grade for s in scored)
    bad_grades = Counter(s.result.grade for s in scored if s.account_id in bad)
    order = [g.grade for g in scored[0].card.card.grades] if scored else []
    stat, at = ks(goods, bads)
    return BacktestResult(
        since, until, outcome, len(goods), len(bads), len(known_bad), auc(goods, bads), stat,
        at, tuple((g, grades[g], bad_grades[g]) for g in order if grades[g]))


def _population(session: Session, since: dt.date, business_unit_id: int | None
                ) -> tuple[set[int], set[int]]:
    stmt = select(Invoice.account_id).where(Invoice.issue_date <= since).distinct()
    if business_unit_id is not None:
        stmt = stmt.where(Invoice.business_unit_id == business_unit_id)
    with_history = set(session.scalars(stmt))
    d_since = literal(since, Date)
    already = set(session.scalars(select(Invoice.account_id).where(
        Invoice.account_id.in_(with_history), Invoice.issue_date <= since,
        days_between(session, d_since, Invoice.due_date) >= 90,
        or_(Invoice.settled_on.is_(None), Invoice.settled_on > since)).distinct()))
    return with_history - already, already


def _went_bad(session: Session, since: dt.date, until: dt.date, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    d_since, d_until = literal(since, Date), literal(until, Date)
    late = days_between(session, Invoice.settled_on, Invoice.due_date)
    stmt = select(Invoice.account_id).where(
        Invoice.account_id.in_(ids), Invoice.issue_date <= until,
        days_between(session, d_until, Invoice.due_date) >= 90,
        days_between(session, d_since, Invoice.due_date) < 90,
        or_(Invoice.settled_on.is_(None), and_(late > 90, Invoice.settled_on > since)),
    ).group_by(Invoice.account_id).having(func.count() > 0)
    return set(session.scalars(stmt))
