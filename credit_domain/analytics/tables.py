"""A :class:`~credit_domain.analytics.report.KpiReport` as tables: the web page shows them and
the XLSX export writes them, cell for cell, so the two cannot disagree.

Cells hold the report's own values (Decimal, int, date, text); :func:`display` formats one for
people in a locale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from credit_domain.analytics.measures import ratio
from credit_domain.analytics.report import AccountRow, GroupRow, KpiReport
from credit_domain.i18n import Text, text_factory
from credit_domain.money import money

_ = text_factory("credit_domain")

Kind = Literal["text", "money", "count", "ratio", "percent", "days", "date", "value"]
Cell = Decimal | int | str | dt.date | Text | None


@dataclass(frozen=True)
class Column:
    key: str
    label: Text
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    """Rows of cells under columns; ``links`` holds each row's drill-down scope (or None).
    A column of kind ``value`` takes each row's kind from ``row_kinds`` (headline figures)."""

    key: str
    title: Text
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    links: tuple[str | None, ...] = ()
    row_kinds: tuple[Kind, ...] = ()

    def kind(self, row: int, column: int) -> Kind:
        kind = self.columns[column].kind
        return self.row_kinds[row] if kind == "value" else kind


BUCKET_LABELS = {"current": _("Current"), "b1": _("1–30 days"), "b2": _("31–60 days"),
                 "b3": _("61–90 days"), "b4": _("Over 90 days")}
BAND_LABELS = {"lt50": _("Under 50%"), "50to80": _("50–80%"), "80to100": _("80–100%"),
               "over100": _("Over 100%"), "no_limit": _("No limit")}
LEVEL_LABELS = {"all": _("All"), "business_unit": _("Business unit"), "region": _("Region"),
                "team": _("Team"), "salesperson": _("Salesperson"), "customer": _("Customer")}
NOT_GRADED = _("Not graded")
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$"}


def display(value: Cell, kind: Kind, locale: str | None, currency: str = "CNY") -> str:
    """A cell as people read it: money with separators, ratios as percentages, days."""
    if value is None:
        return "—"
    if isinstance(value, Text):
        return value.render(locale)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind == "money" and isinstance(value, Decimal | int):
        sign = "-" if value < 0 else ""
        return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{abs(money(value)):,.2f}"
    if kind == "ratio" and isinstance(value, Decimal):
        return f"{value * 100:.1f}%"
    if kind == "percent":
        return f"{value}%"
    if kind == "days":
        return _("{days} days", days=str(value)).render(locale)
    return str(value)


def _group_table(key: str, title: Text, rows: Sequence[GroupRow], *, quality: bool = False
                 ) -> Table:
    name = LEVEL_LABELS[rows[0].level] if rows else _("Name")
    columns = [Column("name", name)]
    if not quality:
        columns += [Column("accounts", _("Accounts"), "count"),
                    Column("limit", _("Credit limit"), "money"),
                    Column("exposure", _("Exposure"), "money"),
                    Column("available", _("Available"), "money"),
                    Column("utilisation", _("Utilisation"), "ratio")]
    columns += [Column("receivables", _("Receivables"), "money"),
                Column("overdue", _("Overdue"), "money"),
                Column("overdue_ratio", _("Overdue ratio"), "ratio"),
                Column("cei", _("CEI"), "percent"),
                Column("on_hold", _("On hold"), "count")]
    body = []
    for g in rows:
        t = g.totals
        cells: list[Cell] = [g.name]
        if not quality:
            cells += [t.accounts, t.limit, t.exposure, t.available, t.utilisation]
        cells += [t.receivables, t.overdue, t.overdue_ratio, t.cei, t.on_hold]
        body.append(tuple(cells))
    return Table(key, title, tuple(columns), tuple(body), tuple(g.scope for g in rows))


def _account_table(key: str, title: Text, rows: Sequence[AccountRow], shape: str,
                   total: int | None = None) -> Table:
    """A list of accounts; when it holds fewer than the ``total`` that qualify, its title
    says so (the lists show the largest first, up to ``services.TOP``)."""
    if total is not None and len(rows) < total:
        title = _("{title} (the first {shown} of {total})", title=title, shown=len(rows),
                  total=total)
    columns = [Column("customer", _("Customer")), Column("business_unit", _("Business unit")),
               Column("salesperson", _("Salesperson"))]
    if shape == "exposure":
        columns += [Column("grade", _("Grade")), Column("limit", _("Credit limit"), "money"),
                    Column("exposure", _("Exposure"), "money"),
                    Column("available", _("Available"), "money"),
                    Column("utilisation", _("Utilisation"), "ratio")]
    elif shape == "aging":
        columns += [Column("overdue", _("Overdue"), "money"),
                    *(Column(b, BUCKET_LABELS[b], "money") for b in ("b1", "b2", "b3", "b4")),
                    Column("days_past_due", _("Days past due"), "count")]
    else:
        columns += [Column("hold_since", _("On hold since"), "date"),
                    Column("hold_reason", _("Reason")),
                    Column("exposure", _("Exposure"), "money"),
                    Column("overdue", _("Overdue"), "money")]
    body = []
    for a in rows:
        cells: list[Cell] = [a.customer, a.business_unit, a.salesperson]
        if shape == "exposure":
            cells += [a.grade, a.limit, a.exposure, a.available, a.utilisation]
        elif shape == "aging":
            cells += [a.overdue, a.b1, a.b2, a.b3, a.b4, a.days_past_due]
        else:
            cells += [a.hold_since.date() if a.hold_since else None, a.hold_reason,
                      a.exposure, a.overdue]
        body.append(tuple(cells))
    return Table(key, title, tuple(columns), tuple(body), tuple(a.scope for a in rows))


def summary_rows(report: KpiReport) -> tuple[tuple[Text, Cell, Kind], ...]:
    """The headline figures: (label, value, kind), in the order every surface shows them."""
    t, c = report.totals, report.collection
    return (
        (_("Credit limit"), t.limit, "money"),
        (_("Exposure"), t.exposure, "money"),
        (_("Available"), t.available, "money"),
        (_("Utilisation"), t.utilisation, "ratio"),
        (_("Receivables"), t.receivables, "money"),
        (_("Overdue"), t.overdue, "money"),
        (_("Overdue ratio"), t.overdue_ratio, "ratio"),
        (_("Overdue customers"), t.overdue_accounts, "count"),
        (_("Customers on hold"), t.on_hold, "count"),
        (_("Credit sales in the period"), c.sales, "money"),
        (_("DSO"), c.dso, "days"),
        (_("Count-back DSO"), c.countback_dso, "days"),
        (_("Best possible DSO"), c.best_possible_dso, "days"),
        (_("Average days delinquent"), c.average_days_delinquent, "days"),
        (_("CEI"), c.cei, "percent"),
        (_("Accounts"), t.accounts, "count"),
    )


def report_tables(report: KpiReport) -> list[Table]:
    """Every table of the report, in page order (keys are stable: export URLs use them)."""
    t = report.totals
    summary = summary_rows(report) + tuple(
        (x.label, x.value, x.unit) for x in report.extras)
    tables = [
        Table("summary", _("Headline figures"),
              (Column("figure", _("Figure")), Column("value", _("Value"), "value")),
              tuple((label, value) for label, value, _kind in summary),
              row_kinds=tuple(kind for _label, _value, kind in summary)),
        Table("aging", _("Receivables aging"),
              (Column("bucket", _("Days past due")), Column("amount", _("Amount"), "money"),
               Column("share", _("Share"), "ratio")),
              tuple((BUCKET_LABELS[name], amount, _share(amount, t.receivables))
                    for name, amount in t.aging())),
    ]
    if report.drill_level:
        tables.append(_group_table("drill", _("By {level}",
                                              level=LEVEL_LABELS[report.drill_level]),
                                   report.drill))
    tables += [
        _account_table("top_exposure", _("Top exposure"), report.top_exposure, "exposure"),
        _account_table("overdue", _("Overdue customers"), report.overdue, "aging",
                       t.overdue_accounts),
        _account_table("oldest_debts", _("Oldest debts"), report.oldest_debts, "aging",
                       t.overdue_accounts),
        _account_table("on_hold", _("Customers on hold"), report.on_hold, "hold", t.on_hold),
        Table("utilisation", _("Utilisation of limits"),
              (Column("band", _("Utilisation")), Column("accounts", _("Accounts"), "count"),
               Column("exposure", _("Exposure"), "money"),
               Column("limit", _("Credit limit"), "money")),
              tuple((BAND_LABELS[b.band], b.accounts, b.exposure, b.limit)
                    for b in report.utilisation)),
        Table("grades", _("Grade distribution"),
              (Column("grade", _("Grade")), Column("accounts", _("Accounts"), "count"),
               Column("exposure", _("Exposure"), "money"),
               Column("overdue", _("Overdue"), "money")),
              tuple((g.grade or NOT_GRADED, g.accounts, g.exposure, g.overdue)
                    for g in report.grades)),
    ]
    if report.by_region:
        tables.append(_group_table("by_region", _("Quality by region"), report.by_region,
                                   quality=True))
    if report.by_team:
        tables.append(_group_table("by_team", _("Quality by team"), report.by_team,
                                   quality=True))
    return tables


def _share(amount: Decimal, total: Decimal) -> Decimal | None:
    return ratio(amount, total)


def table_by_key(report: KpiReport, key: str) -> Table | None:
    return next((t for t in report_tables(report) if t.key == key), None)
