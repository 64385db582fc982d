"""The dashboard in chat: pure functions from a KPI report to neutral cards.

The chat router registers them (``dashboard`` / ``看板``, ``aging`` / ``账龄``, ``overdue`` /
``逾期``, ``top exposure`` / ``占用排行``, and the card action :data:`DRILL_ACTION`); each
command computes ``credit_domain.analytics.services.run_kpis(domain, actor, query)`` for the
asker and passes the report here. Figures are formatted by the same
``credit_domain.analytics.tables.display`` as the web page, so card and page agree.

``links`` (a :class:`DashboardLinks`, implemented in ``bot.web.chart_links``) turns a scope
into URLs: the web page and the aging chart PNG. Without it the cards carry no image and no
link (terminals, tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from bot.messages import Button, Card, Field, Image, Section
from credit_domain.analytics.report import AccountRow, KpiReport
from credit_domain.analytics.services import DEFAULT_MONTHS, KpiQuery
from credit_domain.analytics.tables import BUCKET_LABELS, Cell, Kind, display
from credit_domain.errors import InvalidInput
from credit_domain.i18n import Text, text_factory

_ = text_factory("handlers")

DRILL_ACTION = "dashboard.drill"
MAX_DRILL_BUTTONS = 5
RANKED = 10


class DashboardLinks(Protocol):
    """URLs for a scope as the asker may open them."""

    def page(self, scope: str, as_of: dt.date, months: int) -> str: ...

    def aging_chart(self, scope: str, as_of: dt.date, months: int, locale: str) -> str: ...


def drill_value(scope: str, as_of: dt.date, months: int) -> dict[str, str]:
    """The value of a drill button: what the next summary card covers."""
    return {"scope": scope, "as_of": as_of.isoformat(), "months": str(months)}


def query_from_drill(value: Mapping[str, str]) -> KpiQuery:
    """The query a tapped drill button asks for (refuses a malformed value clearly)."""
    try:
        as_of = dt.date.fromisoformat(value["as_of"]) if value.get("as_of") else None
        months = int(value.get("months") or DEFAULT_MONTHS)
    except ValueError:
        raise InvalidInput(_("This button is out of date; send \"dashboard\" again.")) from None
    return KpiQuery(str(value.get("scope", "")), as_of, months)


def _fmt(report: KpiReport, value: Cell, kind: Kind, locale: str) -> str:
    return display(value, kind, locale, report.currency)


def _subtitle(report: KpiReport, locale: str) -> str:
    return _("As of {date} · period of {months} months", date=report.as_of.isoformat(),
             months=report.months).render(locale)


def summary_card(report: KpiReport, locale: str, links: DashboardLinks | None = None
                 ) -> Card:
    """Headline figures of the asker's scope, the aging chart, and drill-down buttons."""
    t, c = report.totals, report.collection

    def f(value: Cell, kind: Kind) -> str:
        return _fmt(report, value, kind, locale)

    fields = [
        Field(_("Credit limit").render(locale), f(t.limit, "money")),
        Field(_("Exposure").render(locale), f(t.exposure, "money")),
        Field(_("Available").render(locale), f(t.available, "money")),
        Field(_("Utilisation").render(locale), f(t.utilisation, "ratio")),
        Field(_("Overdue").render(locale),
              f"{f(t.overdue, 'money')} ({f(t.overdue_ratio, 'ratio')})"),
        Field(_("Overdue customers").render(locale), f(t.overdue_accounts, "count")),
        Field(_("DSO / count-back").render(locale),
              f"{f(c.dso, 'days')} / {f(c.countback_dso, 'days')}"),
        Field(_("CEI").render(locale), f(c.cei, "percent")),
        Field(_("Customers on hold").render(locale), f(t.on_hold, "count")),
    ]
    fields += [Field(x.label.render(locale), f(x.value, x.unit)) for x in report.extras]
    aging = " · ".join(f"{BUCKET_LABELS[name].render(locale)} {f(amount, 'money')}"
                       for name, amount in t.aging())
    buttons = [
        Button(g.label(locale), action_id=DRILL_ACTION,
               value=drill_value(g.scope, report.as_of, report.months))
        for g in report.drill if g.scope is not None
    ][:MAX_DRILL_BUTTONS]
    image = None
    if links is not None:
        buttons.append(Button(_("Open on the web").render(locale),
                              url=links.page(report.scope, report.as_of, report.months)))
        image = Image(_("Receivables aging").render(locale),
                      url=links.aging_chart(report.scope, report.as_of, report.months, locale))
    footer = None
    if "pending_applications" in report.unavailable:
        footer = _("Pending applications are not counted yet: the approval workflow is not "
                   "installed.").render(locale)
    return Card(
        title=_("Credit dashboard · {scope}", scope=report.label(locale)).render(locale),
        subtitle=_subtitle(report, locale),
        fields=tuple(fields),
        sections=(Section(_("Receivables aging").render(locale), aging),),
        buttons=tuple(buttons), image=image, footer=footer,
        tone="warn" if t.overdue > 0 else "ok",
        key=f"dashboard:{report.scope}:{report.as_of.isoformat()}",
    )


def _ranked(report: KpiReport, locale: str, title: str, rows: Sequence[AccountRow],
            line: Callable[..., Text], empty: str, links: DashboardLinks | None,
            image: bool = False) -> Card:
    text = "\n".join(f"{i}. {line(**_row_values(report, r, locale)).render(locale)}"
                     for i, r in enumerate(rows[:RANKED], 1)) or empty
    buttons: tuple[Button, ...] = ()
    chart = None
    if links is not None:
        buttons = (Button(_("Open on the web").render(locale),
                          url=links.page(report.scope, report.as_of, report.months)),)
        if image:
            chart = Image(_("Receivables aging").render(locale),
                          url=links.aging_chart(report.scope, report.as_of, report.months,
                                                locale))
    return Card(title=f"{title} · {report.label(locale)}", subtitle=_subtitle(report, locale),
                sections=(Section(text=text),), buttons=buttons, image=chart,
                key=f"dashboard:{title}:{report.scope}")


def _row_values(report: KpiReport, r: AccountRow, locale: str) -> dict[str, str]:
    def f(value: Cell, kind: Kind) -> str:
        return _fmt(report, value, kind, locale)

    return {
        "customer": r.customer, "salesperson": r.salesperson or "—",
        "exposure": f(r.exposure, "money"), "limit": f(r.limit, "money"),
        "utilisation": f(r.utilisation, "ratio"), "overdue": f(r.overdue, "money"),
        "days": str(r.days_past_due or 0), "b4": f(r.b4, "money"),
        "b3": f(r.b3, "money"), "b1": f(r.b1 + r.b2, "money"),
    }


def aging_card(report: KpiReport, locale: str, links: DashboardLinks | None = None) -> Card:
    """Bucket totals and the customers with the oldest debts first (most over 90 days)."""
    card = _ranked(
        report, locale, _("Receivables aging").render(locale), report.oldest_debts,
        lambda **v: _("{customer}: over 90 days {b4}, 61–90 days {b3}, up to 60 days {b1} "
                      "({days} days past due)", **v),
        _("Nothing is past due.").render(locale), links, image=True)
    buckets = tuple(Field(BUCKET_LABELS[name].render(locale),
                          _fmt(report, amount, "money", locale))
                    for name, amount in report.totals.aging())
    return Card(card.title, card.subtitle, buckets, card.sections, card.buttons, card.image,
                tone="warn" if report.totals.overdue > 0 else "ok", key=card.key)


def overdue_card(report: KpiReport, locale: str, links: DashboardLinks | None = None) -> Card:
    """Overdue customers ranked by overdue amount."""
    t = report.totals
    card = _ranked(
        report, locale, _("Overdue customers").render(locale), report.overdue,
        lambda **v: _("{customer} ({salesperson}): {overdue}, {days} days past due", **v),
        _("No customer is overdue.").render(locale), links)
    fields = (Field(_("Overdue").render(locale), _fmt(report, t.overdue, "money", locale)),
              Field(_("Overdue customers").render(locale), str(t.overdue_accounts)),
              Field(_("Overdue ratio").render(locale),
                    _fmt(report, t.overdue_ratio, "ratio", locale)))
    return Card(card.title, card.subtitle, fields, card.sections, card.buttons,
                tone="warn" if t.overdue > 0 else "ok", key=card.key)


def top_exposure_card(report: KpiReport, locale: str, links: DashboardLinks | None = None
                      ) -> Card:
    """Customers ranked by exposure, with their limit and utilisation."""
    return _ranked(
        report, locale, _("Top exposure").render(locale), report.top_exposure,
        lambda **v: _("{customer}: {exposure} of {limit} ({utilisation})", **v),
        _("No exposure in this scope.").render(locale), links)
