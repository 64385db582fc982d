"""Dashboard pages (``/dashboard…``): headline figures, charts, tables with drill-down from
business unit to region, team, salesperson and customer, a date filter, and the XLSX export
of every table. Scoped like chat: the signed-in person sees what their roles allow.

Every figure comes from ``credit_domain.analytics`` (:func:`run_kpis`, :func:`customer_view`)
and every table from ``report_tables``/``customer_tables``; the page and the export show the
same cells.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from bot.bootstrap import Runtime
from bot.web.app import web_routes
from bot.web.auth import current_actor
from bot.web.chart_links import dashboard_query, error_status
from bot.web.templating import render, request_locale
from bot.web.xlsx import XLSX_TYPE, chunks, filename, write_workbook
from credit_domain.access import Actor, require_account
from credit_domain.analytics.customer import (
    CustomerView,
    account_for_scope,
    customer_tables,
    customer_view,
)
from credit_domain.analytics.report import KpiReport
from credit_domain.analytics.scope import Scope
from credit_domain.analytics.services import DEFAULT_MONTHS, KpiQuery, run_kpis
from credit_domain.analytics.tables import (
    BAND_LABELS,
    BUCKET_LABELS,
    NOT_GRADED,
    Cell,
    Kind,
    Table,
    display,
    report_tables,
    summary_rows,
)
from credit_domain.customer360.services import visible_accounts
from credit_domain.customers.links import CUSTOMER_ROUTE, customer_path
from credit_domain.errors import DomainError, InvalidInput, NotFound
from credit_domain.i18n import text_factory

_ = text_factory("bot")
MONTH_CHOICES = (1, 3, 6, 12)


async def page_actor(request: Request) -> Actor | None:
    """The signed-in person, or None (pages then send the browser to the sign-in page)."""
    try:
        return await current_actor(request)
    except HTTPException:
        return None


def parse_query(scope: str, as_of: str | None, months: int) -> KpiQuery:
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise InvalidInput(_("{value} is not a date; use YYYY-MM-DD.", value=as_of)) from None
    return KpiQuery(scope, day, months)


def sign_in(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)


class Page:
    """Formatting helpers the templates call (money, ratios, links keeping the filters)."""

    def __init__(self, query: KpiQuery, locale: str, currency: str) -> None:
        self.query, self.locale, self.currency = query, locale, currency

    def fmt(self, value: Cell, kind: Kind) -> str:
        return display(value, kind, self.locale, self.currency)

    def cell(self, table: Table, row: int, column: int) -> str:
        return self.fmt(table.rows[row][column], table.kind(row, column))

    def link(self, scope: str | None) -> str | None:
        if scope is None:
            return None
        return f"/dashboard?{dashboard_query(scope, self.query.as_of, self.query.months)}"

    def export(self, scope: str, key: str) -> str:
        return (f"/dashboard/export/{key}.xlsx?"
                f"{dashboard_query(scope, self.query.as_of, self.query.months)}")

    def t(self, text: Any) -> str:
        return str(text.render(self.locale))


def chart_data(report: KpiReport, locale: str) -> str:
    """The charts' data for the page script (amounts as decimal strings)."""
    return json.dumps({
        "aging": {"labels": [BUCKET_LABELS[n].render(locale) for n, _a in report.totals.aging()],
                  "values": [str(a) for _n, a in report.totals.aging()]},
        "bands": {"labels": [BAND_LABELS[b.band].render(locale) for b in report.utilisation],
                  "values": [b.accounts for b in report.utilisation]},
        "grades": {"labels": [g.grade or NOT_GRADED.render(locale) for g in report.grades],
                   "values": [str(g.exposure) for g in report.grades]},
    }, ensure_ascii=False).replace("</", "<\\/")


def report_page(request: Request, template: str, report: KpiReport, query: KpiQuery,
                actor: Actor, **context: Any) -> Response:
    """Render a page showing ``report``: headline tiles, charts, filters and ``tables``."""
    locale = request_locale(request)
    return render(request, template, report=report, page=Page(query, locale, report.currency),
                  summary=summary_rows(report), charts=chart_data(report, locale),
                  months_choices=MONTH_CHOICES, actor=actor, **context)


def account_address(domain: Any, actor: Actor, account_id: int) -> tuple[int, str]:
    """(customer id, business unit code) of an account the actor may see."""
    with domain.read() as session:
        account = require_account(session, actor, account_id)
        return account.customer_id, account.business_unit.code


@web_routes
def dashboard_routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    domain = runtime.domain

    def error_page(request: Request, exc: DomainError) -> Response:
        return render(request, "dashboard_error.html", status_code=error_status(exc),
                      message=exc.localized(request_locale(request)))

    @router.get("/dashboard")
    async def dashboard(request: Request, scope: str = "", as_of: str | None = None,
                        months: int = DEFAULT_MONTHS) -> Response:
        actor = await page_actor(request)
        if actor is None:
            return sign_in(request)
        try:
            query = parse_query(scope, as_of, months)
            parsed = Scope.parse(scope)
            if parsed.customer is not None and parsed.business_unit is not None:
                return RedirectResponse(customer_path(
                    parsed.customer, parsed.business_unit, as_of=as_of,
                    months=None if months == DEFAULT_MONTHS else months), 303)
            report = await run_in_threadpool(run_kpis, domain, actor, query)
        except DomainError as exc:
            return error_page(request, exc)
        return report_page(request, "dashboard.html", report, query, actor,
                           tables=report_tables(report))

    @router.get(CUSTOMER_ROUTE)
    async def customer_page(request: Request, customer_id: int, bu: str | None = None,
                            as_of: str | None = None, months: int = DEFAULT_MONTHS) -> Response:
        """The customer page, the 360° view: one credit account of the customer (``bu``, or
        the first the viewer may see) with its figures, tables and panels, and links to
        the customer's other business units."""
        actor = await page_actor(request)
        if actor is None:
            return sign_in(request)
        try:
            query = parse_query("", as_of, months)
            units = await run_in_threadpool(visible_accounts, domain, actor, customer_id)
            chosen = next((u for u in units if bu is None or u.business_unit == bu.upper()),
                          None)
            if chosen is None:
                raise NotFound(_("This customer has no credit account in {code}.", code=bu))
            view: CustomerView = await run_in_threadpool(
                customer_view, domain, actor, chosen.account_id, query.as_of, months)
        except DomainError as exc:
            return error_page(request, exc)
        others = [(u.business_unit_name, customer_path(customer_id, u.business_unit,
                                                       as_of=as_of))
                  for u in units if u.account_id != chosen.account_id]
        return report_page(request, "dashboard_customer.html", view.report, query, actor,
                           view=view, other_units=others, here=customer_path(customer_id),
                           tables=[
                               *(t for t in report_tables(view.report) if t.key == "aging"),
                               *customer_tables(view)])

    @router.get("/dashboard/customer/{account_id}")
    async def account_page(request: Request, account_id: int, as_of: str | None = None,
                           months: int | None = None) -> Response:
        """An account's older address: sends the browser to its customer page."""
        actor = await page_actor(request)
        if actor is None:
            return sign_in(request)
        try:
            customer_id, code = await run_in_threadpool(account_address, domain, actor,
                                                        account_id)
        except DomainError as exc:
            return error_page(request, exc)
        return RedirectResponse(customer_path(customer_id, code, as_of=as_of, months=months),
                                308)

    @router.get("/dashboard/export/{key}.xlsx")
    async def export(request: Request, key: str, scope: str = "", as_of: str | None = None,
                     months: int = DEFAULT_MONTHS) -> Response:
        """One table (``key``: summary, aging, drill, top_exposure, overdue, oldest_debts,
        on_hold, utilisation, grades, by_region, by_team; invoices and payments for a
        customer) or ``all`` of them, as an XLSX workbook."""
        actor = await page_actor(request)
        if actor is None:
            raise HTTPException(401, "Please sign in. 请先登录。")
        locale = request_locale(request)

        def build() -> tuple[KpiReport, list[Table]]:
            query = parse_query(scope, as_of, months)
            parsed = Scope.parse(scope)
            if parsed.customer is not None and parsed.business_unit is not None:
                account_id = account_for_scope(domain, parsed.business_unit, parsed.customer)
                view = customer_view(domain, actor, account_id, query.as_of, months)
                return view.report, report_tables(view.report) + customer_tables(view)
            report = run_kpis(domain, actor, query)
            return report, report_tables(report)

        try:
            report, tables = await run_in_threadpool(build)
        except DomainError as exc:
            raise HTTPException(error_status(exc), exc.localized(locale)) from None
        chosen = tables if key == "all" else [t for t in tables if t.key == key]
        if not chosen:
            raise HTTPException(404, f"No table {key} here.")
        heading = [f"creditbot · {report.label(locale)}",
                   _("As of {date} · period of {months} months (from {start})",
                     date=report.as_of.isoformat(), months=report.months,
                     start=report.period_start.isoformat()).render(locale)]
        fh = await run_in_threadpool(write_workbook, chosen, locale, heading)
        name = filename("creditbot", key, report.scope.replace(":", "-"),
                        report.as_of.isoformat())
        return StreamingResponse(chunks(fh), media_type=XLSX_TYPE,
                                 headers={"Content-Disposition":
                                          f'attachment; filename="{name}"'})

    return router
