"""The aging chart PNG (``GET /charts/aging.png``) and the links chat cards carry.

A chart shows figures, so it is never public: it is served either to a signed-in browser
(``?scope=…&as_of=…&months=…``, with the session cookie) or for a signed token (``?t=…``) that
names the person it was made for, the scope and the date. The token is what a chat card's
image URL carries (chat platforms fetch images without our cookie); it expires after
:data:`CHART_LINK_SECONDS`, and the figures are computed with the person's roles at the time
of the request, so a revoked role shows nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from bot.bootstrap import Runtime
from bot.web.app import web_routes
from bot.web.auth import SESSION_KEY, login_link, secret_key
from bot.web.charts import render_aging_png
from bot.web.templating import request_locale
from credit_domain.access import load_actor
from credit_domain.analytics.services import KpiQuery, run_kpis
from credit_domain.errors import DomainError, Forbidden, InvalidInput, NotFound
from credit_domain.i18n import normalize_locale

CHART_LINK_SECONDS = 7 * 24 * 3600
STATUS = {InvalidInput: 400, Forbidden: 403, NotFound: 404}


def _serializer(runtime: Runtime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(runtime), salt="creditbot-chart")


def chart_token(runtime: Runtime, person_id: int, scope: str, as_of: dt.date, months: int,
                locale: str) -> str:
    return _serializer(runtime).dumps({"p": person_id, "s": scope, "d": as_of.isoformat(),
                                       "m": months, "l": locale})


def dashboard_query(scope: str, as_of: dt.date | None, months: int) -> str:
    params: dict[str, Any] = {"scope": scope, "months": months}
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    return urlencode(params)


@dataclass(frozen=True)
class WebDashboardLinks:
    """``handlers.dashboard.DashboardLinks`` for one person: a one-time sign-in link that
    opens the page, and a signed chart URL. ``base_url`` is the server's public address
    (empty: paths relative to it)."""

    runtime: Runtime
    person_id: int
    base_url: str = ""

    def page(self, scope: str, as_of: dt.date, months: int) -> str:
        next_path = f"/dashboard?{dashboard_query(scope, as_of, months)}"
        return self.base_url.rstrip("/") + login_link(self.runtime, self.person_id, next_path)

    def aging_chart(self, scope: str, as_of: dt.date, months: int, locale: str) -> str:
        token = chart_token(self.runtime, self.person_id, scope, as_of, months, locale)
        return f"{self.base_url.rstrip('/')}/charts/aging.png?{urlencode({'t': token})}"


def error_status(exc: DomainError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)


@web_routes
def chart_routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/charts/aging.png")
    async def aging_png(request: Request, t: str | None = None, scope: str = "",
                        as_of: str | None = None, months: int = 3) -> Response:
        if t is not None:
            try:
                data = _serializer(runtime).loads(t, max_age=CHART_LINK_SECONDS)
            except BadSignature:
                raise HTTPException(403, "This chart link is not valid or has expired.") \
                    from None
            person_id, locale = int(data["p"]), normalize_locale(data.get("l"))
            query = KpiQuery(str(data["s"]), dt.date.fromisoformat(data["d"]), int(data["m"]))
        else:
            if request.session.get(SESSION_KEY) is None:
                raise HTTPException(401, "Please sign in. 请先登录。")
            person_id, locale = int(request.session[SESSION_KEY]), request_locale(request)
            try:
                day = dt.date.fromisoformat(as_of) if as_of else None
            except ValueError:
                raise HTTPException(400, "as_of must be a date (YYYY-MM-DD).") from None
            query = KpiQuery(scope, day, months)

        def draw() -> bytes:
            with runtime.domain.read() as session:
                actor = load_actor(session, person_id)
            return render_aging_png(run_kpis(runtime.domain, actor, query), locale)

        try:
            png = await run_in_threadpool(draw)
        except DomainError as exc:
            raise HTTPException(error_status(exc), exc.localized(locale)) from None
        return Response(png, media_type="image/png",
                        headers={"Cache-Control": "private, max-age=300"})

    return router
