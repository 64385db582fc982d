"""The ASGI application served by ``creditbot serve``.

Features add their routes by registering a router factory with :func:`web_routes`; the
factory receives the Runtime. Blocking work (database, SDK calls) runs in the thread pool:
route functions are plain ``def`` or call ``run_in_threadpool``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from bot.bootstrap import Runtime
from bot.observability import REGISTRY, OutboxCollector, request_middleware
from bot.web import fonts
from bot.web.auth import auth_routes, secret_key
from bot.web.templating import STATIC

RouterFactory = Callable[[Runtime], APIRouter]
ROUTER_FACTORIES: list[RouterFactory] = []


def web_routes(factory: RouterFactory) -> RouterFactory:
    """Decorator: register a function that builds a router for the app."""
    ROUTER_FACTORIES.append(factory)
    return factory


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

    app = FastAPI(title="creditbot", version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.add_middleware(SessionMiddleware, secret_key=secret_key(runtime),
                       session_cookie="creditbot_session", same_site="lax",
                       max_age=12 * 3600, https_only=(runtime.settings.public_url or "")
                       .startswith("https://"))
    app.include_router(fonts.router)  # before the /static mount, which would shadow it
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.middleware("http")(request_middleware())
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
