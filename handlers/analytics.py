"""The dashboard in chat, scoped to the asker: ``dashboard`` / ``看板`` (headline figures, the
aging chart, drill buttons and a one-time sign-in link to the web dashboard), ``aging`` /
``账龄``, ``overdue`` / ``逾期`` and ``top exposure`` / ``占用排行``. The cards are
``handlers.dashboard``'s; the figures are the web page's (``run_kpis``).

Each command takes an optional scope (``IND``, ``team:IND-E1``, ``bu:IND,region:EAST``), a
date (``2026-02-28``: the figures as of that day) and a period (``6m`` / ``6个月``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from bot.messages import Card, CardAction, Reply
from credit_domain.analytics.report import KpiReport
from credit_domain.analytics.services import DEFAULT_MONTHS, KpiQuery, run_kpis
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from handlers.dashboard import (
    DRILL_ACTION,
    DashboardLinks,
    aging_card,
    overdue_card,
    query_from_drill,
    summary_card,
    top_exposure_card,
)
from handlers.router import Args, Context, WebLinks, router

_ = text_factory("handlers")

MONTHS = re.compile(r"^(\d{1,2})(?:m|mo|months?|个月|月)$", re.IGNORECASE)
CardMaker = Callable[[KpiReport, str, DashboardLinks | None], Card]


@dataclass(frozen=True)
class PersonLinks:
    """``DashboardLinks`` for one person: sign-in links to the page, signed chart images."""

    web: WebLinks
    person_id: int

    def page(self, scope: str, as_of: dt.date, months: int) -> str:
        query = urlencode({"scope": scope, "months": months, "as_of": as_of.isoformat()})
        return self.web.sign_in(self.person_id, f"/dashboard?{query}")

    def aging_chart(self, scope: str, as_of: dt.date, months: int, locale: str) -> str:
        return self.web.aging_chart(self.person_id, scope, as_of, months, locale)


def links(ctx: Context) -> DashboardLinks | None:
    return PersonLinks(ctx.web, ctx.person_id) if ctx.web is not None else None


def read_query(text: str) -> KpiQuery:
    """``[SCOPE] [DATE] [MONTHS]`` in any order."""
    scope: list[str] = []
    as_of: dt.date | None = None
    months = DEFAULT_MONTHS
    for word in text.split():
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
            try:
                as_of = dt.date.fromisoformat(word)
            except ValueError:
                raise InvalidInput(_("{text} is not a date of the calendar.", text=word)) \
                    from None
        elif (m := MONTHS.match(word)) is not None:
            months = int(m.group(1))
        else:
            scope.append(word)
    return KpiQuery(",".join(scope), as_of, months)


def answer(ctx: Context, query: KpiQuery, make: CardMaker) -> Reply:
    report = run_kpis(ctx.domain, ctx.actor, query)
    return Reply(card=make(report, ctx.locale, links(ctx)))


USAGE = _("dashboard [SCOPE] [DATE] [MONTHS]")


@router.command("dashboard", aliases=["看板", "仪表盘", "驾驶舱"], usage=USAGE,
                summary=_("The credit book you may see: limit, exposure, overdue, DSO, aging"),
                examples=("dashboard", "看板 team:IND-E1", "dashboard IND 2026-02-28 6m"),
                order=50)
def dashboard(ctx: Context, args: Args) -> Reply:
    return answer(ctx, read_query(args.text), summary_card)


@router.action(DRILL_ACTION)
def drill(ctx: Context, action: CardAction) -> Reply:
    """A drill button: the summary of the region, team or salesperson, as a new card."""
    return answer(ctx, query_from_drill(action.value), summary_card)


@router.command("aging", aliases=["账龄", "账龄分析"], usage=_("aging [SCOPE] [DATE]"),
                summary=_("Receivables by age, oldest debts first, with the chart"), order=51)
def aging(ctx: Context, args: Args) -> Reply:
    return answer(ctx, read_query(args.text), aging_card)


@router.command("overdue", aliases=["逾期", "逾期客户"], usage=_("overdue [SCOPE] [DATE]"),
                summary=_("Overdue customers, largest first"), order=52)
def overdue(ctx: Context, args: Args) -> Reply:
    return answer(ctx, read_query(args.text), overdue_card)


@router.command("top exposure", aliases=["top", "占用排行", "占用排名"],
                usage=_("top exposure [SCOPE] [DATE]"),
                summary=_("Customers with the largest exposure"), order=53)
def top_exposure(ctx: Context, args: Args) -> Reply:
    return answer(ctx, read_query(args.text), top_exposure_card)
