"""The web page of one credit application (``/applications/<number>``, the ``link`` of every
workflow notification): what was asked, the facts at submission, what is pending with whom
since when, and the timeline of who did what when. Scoped like chat: the signed-in person
sees the applications they may see."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from bot.bootstrap import Runtime
from bot.web.app import web_routes
from bot.web.chart_links import error_status
from bot.web.dashboard import page_actor, sign_in
from bot.web.templating import render, request_locale
from credit_domain.access import Actor
from credit_domain.applications.labels import (
    ACTION_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    label,
)
from credit_domain.applications.queries import Timeline, timeline
from credit_domain.bootstrap import Domain
from credit_domain.customers.links import customer_path
from credit_domain.errors import DomainError
from credit_domain.i18n import Text
from credit_domain.money import format_amount
from credit_domain.orgs.models import BusinessUnit

APPLICATION_ROUTE = "/applications/{number}"


class ApplicationPage:
    """What the template shows, in the reader's language and the unit's time zone."""

    def __init__(self, tl: Timeline, unit: BusinessUnit, customer_id: int, locale: str
                 ) -> None:
        self.tl, self.app, self.locale = tl, tl.application, locale
        self.zone = ZoneInfo(unit.timezone)
        self.currency = unit.currency
        self.customer_link = customer_path(customer_id, unit.code)

    def t(self, text: Text | None) -> str:
        return "" if text is None else text.render(self.locale)

    def money(self, value: Any) -> str:
        return "—" if value is None else format_amount(value, self.locale, self.currency)

    def when(self, at: dt.datetime | None) -> str:
        return "—" if at is None else f"{at.astimezone(self.zone):%Y-%m-%d %H:%M}"

    def kind(self) -> str:
        return self.t(label(KIND_LABELS, self.app.kind))

    def status(self) -> str:
        return self.t(label(STATUS_LABELS, self.app.status))

    def action(self, name: str) -> str:
        return self.t(label(ACTION_LABELS, name))


def load_page(domain: Domain, actor: Actor, number: str, locale: str) -> ApplicationPage:
    with domain.read() as session:
        tl = timeline(session, actor, number, domain.clock.now())
        unit = session.get(BusinessUnit, tl.application.business_unit_id)
        assert unit is not None
        return ApplicationPage(tl, unit, tl.application.account.customer_id, locale)


@web_routes
def application_routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(APPLICATION_ROUTE)
    async def application_page(request: Request, number: str) -> Response:
        actor = await page_actor(request)
        if actor is None:
            return sign_in(request)
        locale = request_locale(request)
        try:
            page = await run_in_threadpool(load_page, runtime.domain, actor, number, locale)
        except DomainError as exc:
            return render(request, "dashboard_error.html", status_code=error_status(exc),
                          message=exc.localized(locale), actor=actor)
        return render(request, "application.html", page=page, actor=actor)

    return router
