"""``GET /api/v1/analytics/kpis``: the dashboard's figures for tools and BI.

Authenticated by an API key with the ``analytics:read`` scope; a key sees the whole of the
business units it is valid for and nothing else. Parameters: ``scope`` (as in
``credit_domain.analytics.scope``), ``as_of`` (YYYY-MM-DD, default today), ``months`` (the
period for DSO, CEI and sales, default 3). The body is ``KpiReport.to_json()``: the same
figures as ``creditbot kpis --json``, the web page and the export.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot.bootstrap import Runtime
from bot.web.app import web_routes
from bot.web.auth import require_api
from bot.web.chart_links import error_status
from bot.web.dashboard import parse_query
from credit_domain.analytics.services import DEFAULT_MONTHS, api_actor, run_kpis
from credit_domain.apikeys.services import ApiClient
from credit_domain.errors import DomainError


@web_routes
def analytics_api_routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

    @router.get("/kpis")
    async def kpis(client: Annotated[ApiClient, require_api("analytics:read")],
                   scope: str = "", as_of: str | None = None,
                   months: int = DEFAULT_MONTHS) -> JSONResponse:
        """Every KPI of ``scope`` as of ``as_of`` over ``months`` months."""
        actor = api_actor(client.name, sorted(client.business_unit_ids))
        try:
            query = parse_query(scope, as_of, months)
            report = await run_in_threadpool(run_kpis, runtime.domain, actor, query)
        except DomainError as exc:
            return JSONResponse({"error": exc.code, "message": exc.localized("en")},
                                error_status(exc))
        return JSONResponse(report.to_json())

    return router
