"""The one KPI result type: :class:`KpiReport`. The chat cards, the web pages, the XLSX export,
the API and ``creditbot kpis`` all show a KpiReport, so they agree figure for figure.

Money is ``Decimal``; ratios are ``Decimal`` fractions (0.1234 = 12.34 %); CEI is a percentage;
day counts are ``Decimal`` days. :meth:`KpiReport.to_json` writes money and ratios as strings
so that no figure passes through a float on its way to a BI tool.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal

from credit_domain.analytics import measures
from credit_domain.analytics.facts import BUCKETS
from credit_domain.analytics.scope import Crumb, Level, bilingual
from credit_domain.i18n import Text

Unit = Literal["money", "count", "days", "percent", "ratio"]
UTILISATION_BANDS = ("lt50", "50to80", "80to100", "over100", "no_limit")


@dataclass(frozen=True)
class Balances:
    """Limit, exposure and receivables by age of one account or a set of accounts (see
    ``credit_domain.analytics.facts``)."""

    DERIVED: ClassVar[tuple[str, ...]] = ("overdue", "utilisation")
    limit: Decimal
    exposure: Decimal
    available: Decimal
    receivables: Decimal
    current: Decimal
    b1: Decimal
    b2: Decimal
    b3: Decimal
    b4: Decimal

    @property
    def overdue(self) -> Decimal:
        """Receivables past their due date = b1 + b2 + b3 + b4."""
        return self.receivables - self.current

    @property
    def utilisation(self) -> Decimal | None:
        """Exposure / effective limit."""
        return measures.ratio(self.exposure, self.limit)


@dataclass(frozen=True)
class Totals(Balances):
    """Sums over a set of credit accounts, with the period's opening balance and sales."""

    DERIVED: ClassVar[tuple[str, ...]] = ("overdue", "utilisation", "overdue_ratio", "cei")
    accounts: int
    deliveries: Decimal
    orders: Decimal
    begin_ar: Decimal
    sales: Decimal
    overdue_accounts: int
    on_hold: int

    @property
    def overdue_ratio(self) -> Decimal | None:
        """Overdue / receivables."""
        return measures.ratio(self.overdue, self.receivables)

    @property
    def cei(self) -> Decimal | None:
        return measures.cei(self.begin_ar, self.sales, self.receivables, self.current)

    def aging(self) -> tuple[tuple[str, Decimal], ...]:
        """(bucket, amount) for current, 1–30, 31–60, 61–90, 90+ days past due."""
        return tuple((name, getattr(self, name)) for name in BUCKETS)


@dataclass(frozen=True)
class GroupRow:
    """Totals of one business unit, region, team, salesperson or customer."""

    level: Level
    scope: str | None  # drill target; None for "no region/team/salesperson"
    name: str
    totals: Totals
    name_en: str | None = None

    def label(self, locale: str | None) -> str:
        return bilingual(self.name, self.name_en, locale)


@dataclass(frozen=True)
class AccountRow(Balances):
    """One credit account in a ranked list (top exposure, overdue, oldest debts, holds)."""

    account_id: int
    scope: str
    customer: str
    business_unit: str
    salesperson: str | None
    team: str | None
    grade: str | None
    oldest_due: dt.date | None
    days_past_due: int | None  # of the oldest overdue invoice
    on_hold: bool
    hold_since: dt.datetime | None
    hold_reason: str | None


@dataclass(frozen=True)
class BandRow:
    band: str  # one of UTILISATION_BANDS
    accounts: int
    exposure: Decimal
    limit: Decimal


@dataclass(frozen=True)
class GradeRow:
    grade: str | None  # None: not graded yet
    accounts: int
    exposure: Decimal
    overdue: Decimal


@dataclass(frozen=True)
class Collection:
    """Collection figures of the period (formulas in ``credit_domain.analytics.measures``)."""

    begin_ar: Decimal
    sales: Decimal
    end_ar: Decimal
    current_ar: Decimal
    dso: Decimal | None
    best_possible_dso: Decimal | None
    average_days_delinquent: Decimal | None
    countback_dso: Decimal | None
    countback_complete: bool
    cei: Decimal | None


@dataclass(frozen=True)
class ExtraFigure:
    """A headline figure another feature adds (see ``credit_domain.analytics.extensions``)."""

    key: str
    label: Text
    value: Decimal | int | None
    unit: Unit = "count"


@dataclass(frozen=True)
class KpiReport:
    """Every figure of the credit book for one scope, as of one date, over one period."""

    scope: str
    level: Level
    path: tuple[Crumb, ...]
    as_of: dt.date
    period_start: dt.date
    months: int
    current: bool  # as_of is today
    currency: str
    totals: Totals
    collection: Collection
    utilisation: tuple[BandRow, ...]
    grades: tuple[GradeRow, ...]
    drill_level: Level | None
    drill: tuple[GroupRow, ...]
    by_region: tuple[GroupRow, ...]
    by_team: tuple[GroupRow, ...]
    top_exposure: tuple[AccountRow, ...]
    overdue: tuple[AccountRow, ...]
    oldest_debts: tuple[AccountRow, ...]
    on_hold: tuple[AccountRow, ...]
    extras: tuple[ExtraFigure, ...] = ()
    unavailable: tuple[str, ...] = ()  # figures not computed here, e.g. pending_applications

    @property
    def period_days(self) -> int:
        return (self.as_of - self.period_start).days

    def label(self, locale: str | None) -> str:
        """The scope for people: its path below "All" (``工业品事业部 / 华东区``)."""
        return " / ".join(c.label(locale) for c in self.path[1:]) or self.path[0].label(locale)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: money, ratios and days as decimal strings, dates in ISO 8601."""
        out: dict[str, Any] = _encode(self)
        out["label"] = self.label("zh_CN")
        out["label_en"] = self.label("en")
        out["period_days"] = self.period_days
        return out


def _encode(value: Any) -> Any:
    if isinstance(value, Text):
        return value.render("en")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value)]
        names += getattr(type(value), "DERIVED", ())
        return {name: _encode(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value
