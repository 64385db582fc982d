"""The ASGI application served by ``creditbot serve``.

Features add their routes by registering a router factory with :func:`web_routes`; the
factory receives the Runtime. Blocking work (database, SDK calls) runs in the thread pool:
route functions are plain ``def`` or call ``run_in_threadpool``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from bot.bootstrap import Runtime
from bot.observability import REGISTRY, OutboxCollector, RequestMiddleware
from bot.web.assets import install_assets
from bot.web.auth import auth_routes, secret_key
from bot.web.templating import STATIC, request_locale
from credit_domain.i18n import text_factory

_ = text_factory("bot")
log = logging.getLogger(__name__)

RouterFactory = Callable[[Runtime], APIRouter]
ROUTER_FACTORIES: list[RouterFactory] = []


def web_routes(factory: RouterFactory) -> RouterFactory:
    """Decorator: register a function that builds a router for the app."""
    ROUTER_FACTORIES.append(factory)
    return factory


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float (a client's ``Infinity``) as a string: JSON
    has no such numbers, and echoing one back must not fail."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


async def invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 for a body that does not validate, safe for any input it echoes."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": _finite(jsonable_encoder(exc.errors()))}, 422)


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database refused the request (locked past its busy timeout, restarting, its
    connections cut): 503 with Retry-After and a clear message, never a traceback. The
    request's transaction was rolled back, so nothing of it was written."""
    log.warning("%s %s: database unavailable (%s: %s)", request.method, request.url.path,
                type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "")
    message = _("The database is busy or unavailable right now; nothing was changed. Please "
                "try again in a moment.")
    return JSONResponse({"detail": message.render(request_locale(request)),
                         "error": "database_unavailable"}, 503, headers={"Retry-After": "5"})


def create_app(runtime: Runtime) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for component in runtime.background:
            await component.start()
        try:
            yield
        finally:
            for component in reversed(runtime.background):
                await component.stop()

    app = FastAPI(title="creditbot", version="0.1.0", lifespan=lifespan, docs_url=None,
                  redoc_url=None)  # /docs is served without a CDN (bot/web/assets.py)
    app.state.runtime = runtime
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(DBAPIError, database_unavailable)
    app.add_middleware(SessionMiddleware, secret_key=secret_key(runtime),
                       session_cookie="creditbot_session", same_site="lax",
                       max_age=12 * 3600, https_only=(runtime.settings.public_url or "")
                       .startswith("https://"))
    install_assets(app)  # before the /static mount, which would shadow it
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(RequestMiddleware)
    per_app = CollectorRegistry()
    per_app.register(OutboxCollector(runtime.domain.read, runtime.domain.clock.now))

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> PlainTextResponse:
        """Prometheus metrics (see bot/observability.py)."""
        body = generate_latest(REGISTRY) + generate_latest(per_app)
        return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Readiness: the database answers."""

        def ping() -> None:
            with runtime.domain.read() as session:
                session.execute(text("SELECT 1"))

        try:
            await run_in_threadpool(ping)
        except Exception as exc:  # any database failure means "not ready"
            return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
        return JSONResponse({"status": "ok"})

    app.include_router(auth_routes(runtime))
    for factory in ROUTER_FACTORIES:
        app.include_router(factory(runtime))
    if not any(getattr(r, "path", None) == "/" for r in app.routes):

        @app.get("/", include_in_schema=False)
        async def home() -> RedirectResponse:
            return RedirectResponse("/login")

    return app
