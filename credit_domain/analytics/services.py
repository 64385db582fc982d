"""Analytics use cases: :func:`run_kpis` (the report of a scope) and :func:`customer_view`
(one customer's page). Read-only; authorization by scope (see ``.scope``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, FromClause, case, func, literal, select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, Grant
from credit_domain.accounts.models import CreditAccount
from credit_domain.analytics import measures
from credit_domain.analytics.extensions import (
    PENDING_APPLICATIONS,
    FigureContext,
    FigureSource,
    figures,
)
from credit_domain.analytics.facts import (
    MONEY_TOTALS,
    Period,
    account_facts,
    coalesce0,
    materialised,
    months_before,
    totals_columns,
    utilisation_band,
)
from credit_domain.analytics.report import (
    UTILISATION_BANDS,
    AccountRow,
    BandRow,
    Collection,
    ExtraFigure,
    GradeRow,
    GroupRow,
    KpiReport,
    Totals,
)
from credit_domain.analytics.scope import Level, ResolvedScope, Scope, resolve
from credit_domain.clock import local_date
from credit_domain.customers.models import Customer
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.ledger.models import Invoice
from credit_domain.orgs.models import BusinessUnit, Person, Region, Role, Team

_ = text_factory("credit_domain")

DEFAULT_MONTHS = 3
MAX_MONTHS = 24
COUNTBACK_MONTHS = 24
TOP = 20
MAX_HOLDS = 200
GRADE_ORDER = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D")


@dataclass(frozen=True)
class KpiQuery:
    """A scope string (``bu:IND,region:EAST``…), a date (None: today) and the number of
    months of the period ending on it (DSO, CEI and sales)."""

    scope: str = ""
    as_of: dt.date | None = None
    months: int = DEFAULT_MONTHS


def run_kpis(domain: Any, actor: Actor, query: KpiQuery) -> KpiReport:
    """The report of ``query`` as ``actor`` sees it (``domain``: a bootstrap Domain)."""
    with domain.read() as session:
        return compute_kpis(session, actor, query, now=domain.clock.now(),
                            sources=figures(domain))


def api_actor(name: str, business_unit_ids: Sequence[int]) -> Actor:
    """The viewer an API key acts as: the whole of each business unit it is valid for."""
    grants = tuple(Grant(bu, Role.AUDITOR) for bu in sorted(business_unit_ids))
    return Actor(None, f"apikey:{name}", grants=grants)


EARLIEST_YEAR = 1990


def make_period(resolved: ResolvedScope, query: KpiQuery, now: dt.datetime) -> Period:
    if not 1 <= query.months <= MAX_MONTHS:
        raise InvalidInput(_("The period is 1 to {max} months, not {months}.",
                             max=MAX_MONTHS, months=query.months))
    today = local_date(now, resolved.timezone)
    as_of = query.as_of or today
    if as_of > today:
        raise InvalidInput(_("{date} is in the future; figures exist up to today ({today}).",
                             date=as_of.isoformat(), today=today.isoformat()))
    if as_of.year < EARLIEST_YEAR:  # the period and DSO windows reach years back
        raise InvalidInput(_("Figures start in {year}; {date} is too early.",
                             year=EARLIEST_YEAR, date=as_of.isoformat()))
    day_end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0),
                                  ZoneInfo(resolved.timezone))
    return Period(as_of, months_before(as_of, query.months), as_of == today, day_end)


def compute_kpis(session: Session, actor: Actor, query: KpiQuery, *, now: dt.datetime,
                 sources: Mapping[str, FigureSource] | None = None) -> KpiReport:
    """Every figure of :class:`KpiReport` by SQL aggregates over the scope's accounts."""
    resolved = resolve(session, actor, Scope.parse(query.scope))
    period = make_period(resolved, query, now)
    with materialised(session, account_facts(period, resolved.where)) as facts:
        return _report(session, resolved, query, period, facts, sources or {})


def _report(session: Session, resolved: ResolvedScope, query: KpiQuery, period: Period,
            facts: FromClause, sources: Mapping[str, FigureSource]) -> KpiReport:
    totals = _totals(session.execute(select(*totals_columns(facts))).mappings().one())
    extras, unavailable = _extras(session, resolved, period, sources)
    by_region = _groups(session, facts, resolved, "region") if resolved.level in (
        "all", "business_unit") else ()
    by_team = _groups(session, facts, resolved, "team") if resolved.level in (
        "all", "business_unit", "region") else ()
    drill_level = resolved.next_level
    return KpiReport(
        scope=str(resolved.scope), level=resolved.level, path=resolved.path,
        as_of=period.as_of, period_start=period.start, months=query.months,
        current=period.current, currency=resolved.currency, totals=totals,
        collection=_collection(session, resolved, period, totals),
        utilisation=_bands(session, facts), grades=_grades(session, facts),
        drill_level=drill_level,
        drill=_groups(session, facts, resolved, drill_level, by="exposure") if drill_level
        else (),
        by_region=by_region, by_team=by_team,
        top_exposure=_accounts(session, facts, period, facts.c.exposure > 0,
                               facts.c.exposure.desc()),
        overdue=_accounts(session, facts, period, facts.c.receivables > facts.c.current,
                          (facts.c.receivables - facts.c.current).desc()),
        oldest_debts=_accounts(session, facts, period, facts.c.receivables > facts.c.current,
                               facts.c.b4.desc(), facts.c.b3.desc(), facts.c.b2.desc(),
                               facts.c.b1.desc()),
        on_hold=_accounts(session, facts, period, facts.c.held == 1, facts.c.exposure.desc(),
                          limit=MAX_HOLDS),
        extras=extras, unavailable=unavailable,
    )


def _totals(row: Mapping[Any, Any]) -> Totals:
    return Totals(
        accounts=int(row["accounts"]), overdue_accounts=int(row["overdue_accounts"]),
        on_hold=int(row["on_hold"]),
        **{name: Decimal(row[name]) for name in MONEY_TOTALS},
    )


def _collection(session: Session, resolved: ResolvedScope, period: Period,
                totals: Totals) -> Collection:
    bounds = [months_before(period.as_of, k) for k in range(COUNTBACK_MONTHS + 1)]
    ids = select(CreditAccount.id).where(resolved.where).scalar_subquery()
    month = case(*((Invoice.issue_date > bounds[k], literal(k)) for k in
                   range(1, COUNTBACK_MONTHS + 1)))
    rows: dict[int, Decimal] = dict(session.execute(
        select(month, func.sum(Invoice.amount))
        .where(Invoice.account_id.in_(ids), Invoice.issue_date <= period.as_of,
               Invoice.issue_date > bounds[-1])
        .group_by(month)
    ).all())
    months = [measures.Month((bounds[k - 1] - bounds[k]).days,
                             Decimal(rows.get(k) or 0))
              for k in range(1, COUNTBACK_MONTHS + 1)]
    end_ar, current_ar, sales, days = (totals.receivables, totals.current, totals.sales,
                                       period.days)
    countback = measures.countback_dso(end_ar, months)
    dso = measures.dso(end_ar, sales, days)
    best = measures.best_possible_dso(current_ar, sales, days)
    return Collection(
        begin_ar=totals.begin_ar, sales=sales, end_ar=end_ar, current_ar=current_ar,
        dso=dso, best_possible_dso=best,
        average_days_delinquent=measures.average_days_delinquent(dso, best),
        countback_dso=countback.days, countback_complete=countback.complete,
        cei=measures.cei(totals.begin_ar, sales, end_ar, current_ar),
    )


def _bands(session: Session, facts: FromClause) -> tuple[BandRow, ...]:
    band = utilisation_band(facts).label("band")
    rows = {r.band: r for r in session.execute(
        select(band, func.count().label("n"), coalesce0(func.sum(facts.c.exposure)).label("e"),
               coalesce0(func.sum(facts.c.limit)).label("l")).group_by(band))}
    zero = Decimal("0.00")
    return tuple(BandRow(b, int(rows[b].n), Decimal(rows[b].e), Decimal(rows[b].l))
                 if b in rows else BandRow(b, 0, zero, zero) for b in UTILISATION_BANDS)


def _grades(session: Session, facts: FromClause) -> tuple[GradeRow, ...]:
    overdue = facts.c.receivables - facts.c.current
    rows = [GradeRow(r.grade, int(r.n), Decimal(r.e), Decimal(r.o)) for r in session.execute(
        select(facts.c.grade, func.count().label("n"),
               coalesce0(func.sum(facts.c.exposure)).label("e"),
               coalesce0(func.sum(overdue)).label("o")).group_by(facts.c.grade))]

    def order(row: GradeRow) -> tuple[int, str]:
        if row.grade in GRADE_ORDER:
            return GRADE_ORDER.index(row.grade), ""
        return len(GRADE_ORDER) + (1 if row.grade is None else 0), row.grade or ""

    return tuple(sorted(rows, key=order))


_DIMENSIONS: dict[str, tuple[str, Any, Any, Any]] = {
    # level: (facts column, model, code/id column, name column)
    "business_unit": ("business_unit_id", BusinessUnit, BusinessUnit.code, BusinessUnit.name),
    "region": ("region_id", Region, Region.code, Region.name),
    "team": ("team_id", Team, Team.code, Team.name),
    "salesperson": ("owner_id", Person, Person.id, Person.name),
    "customer": ("customer_id", Customer, Customer.id, Customer.legal_name),
}


def _groups(session: Session, facts: FromClause, resolved: ResolvedScope, level: Level | None,
            by: str = "code") -> tuple[GroupRow, ...]:
    """Totals per business unit, region, team, salesperson or customer in scope."""
    if level is None or level == "all":
        return ()
    column, model, key, name = _DIMENSIONS[level]
    unit = BusinessUnit.__table__.alias("unit")
    stmt = (
        select(unit.c.code.label("unit_code"), unit.c.name_en.label("unit_en"),
               key.label("key"), name.label("name"), *totals_columns(facts))
        .select_from(facts)
        .join(unit, unit.c.id == facts.c.business_unit_id)
        .outerjoin(model, model.id == facts.c[column])
        .group_by(unit.c.code, unit.c.name_en, key, name)
    )
    rows = []
    for r in session.execute(stmt).mappings():
        totals = _totals(r)
        if r["key"] is None:
            rows.append(GroupRow(level, None, "—", totals))
            continue
        target = resolved.scope
        if target.business_unit is None:
            target = target.narrowed("business_unit", r["unit_code"])
        target = target.narrowed(level, r["key"])
        rows.append(GroupRow(level, str(target), str(r["name"]), totals,
                             r["unit_en"] if level == "business_unit" else None))
    if by == "exposure":
        return tuple(sorted(rows, key=lambda g: (-g.totals.exposure, g.name)))
    return tuple(sorted(rows, key=lambda g: (g.scope is None, g.scope or "")))


def _accounts(session: Session, facts: FromClause, period: Period, where: ColumnElement[bool],
              *order: Any, limit: int | None = None) -> tuple[AccountRow, ...]:
    unit = BusinessUnit.__table__.alias("unit")
    stmt = (
        select(facts, Customer.legal_name, unit.c.code.label("unit_code"),
               Person.name.label("owner_name"), Team.name.label("team_name"))
        .select_from(facts)
        .join(Customer, Customer.id == facts.c.customer_id)
        .join(unit, unit.c.id == facts.c.business_unit_id)
        .outerjoin(Person, Person.id == facts.c.owner_id)
        .outerjoin(Team, Team.id == facts.c.team_id)
        .where(where)
        .order_by(*order, Customer.legal_name)
        .limit(limit or TOP)
    )
    out = []
    for r in session.execute(stmt).mappings():
        oldest = r["oldest_due"]
        out.append(AccountRow(
            account_id=r["account_id"], scope=f"bu:{r['unit_code']},customer:{r['customer_id']}",
            customer=r["legal_name"], business_unit=r["unit_code"],
            salesperson=r["owner_name"], team=r["team_name"], grade=r["grade"],
            **{k: Decimal(r[k]) for k in ("limit", "exposure", "available", "receivables",
                                          "current", "b1", "b2", "b3", "b4")},
            oldest_due=oldest, days_past_due=(period.as_of - oldest).days if oldest else None,
            on_hold=bool(r["held"]), hold_since=r["hold_since"], hold_reason=r["hold_reason"],
        ))
    return tuple(out)


def _extras(session: Session, resolved: ResolvedScope, period: Period,
            sources: Mapping[str, FigureSource]
            ) -> tuple[tuple[ExtraFigure, ...], tuple[str, ...]]:
    ctx = FigureContext(resolved.where, period.as_of, period.start, period.current,
                        period.day_end)
    extras: list[ExtraFigure] = []
    for name in sorted(sources):
        extras.extend(sources[name](session, ctx))
    unavailable = () if PENDING_APPLICATIONS in sources else (PENDING_APPLICATIONS,)
    return tuple(extras), unavailable

