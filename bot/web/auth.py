"""Web sign-in for people (dashboards, the emulator) and API-key authentication for
integrations.

People sign in with a one-time link the bot sends them in chat (``dashboard`` / ``看板``), or,
in the demo only (``CREDITBOT_EMULATOR=1``), by picking a person. The session is a signed
cookie holding the person's id; their roles are loaded from the database on every request,
so a revoked role takes effect at once. Integrations send ``Authorization: Bearer cb_…``.
"""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.concurrency import run_in_threadpool

from bot.bootstrap import Runtime
from bot.web.ratelimit import RateLimiter
from bot.web.templating import render
from credit_domain.access import Actor, load_actor
from credit_domain.apikeys.services import ApiClient, authenticate, touch_key
from credit_domain.errors import DomainError
from credit_domain.inbound.models import ProcessedEvent
from credit_domain.orgs.models import Person

LOGIN_LINK_SECONDS = 15 * 60
SESSION_KEY = "person_id"


def secret_key(runtime: Runtime) -> str:
    """The signing key: CREDITBOT_SECRET_KEY, or a per-process random key (sessions then end
    on restart and do not span replicas; set the variable in real deployments)."""
    configured = runtime.settings.secret_key
    if configured is not None:
        return configured.get_secret_value()
    return str(runtime.extras.setdefault("generated_secret_key", secrets.token_urlsafe(48)))


def _serializer(runtime: Runtime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(runtime), salt="creditbot-login-link")


def login_link(runtime: Runtime, person_id: int, next_path: str = "/dashboard") -> str:
    """A one-time sign-in path for ``person_id`` (valid 15 minutes), to send in chat."""
    token = _serializer(runtime).dumps({"p": person_id, "n": secrets.token_hex(8),
                                        "next": next_path})
    return f"/login/link/{token}"


def _consume_link(runtime: Runtime, token: str) -> tuple[int, str]:
    try:
        data: dict[str, Any] = _serializer(runtime).loads(token, max_age=LOGIN_LINK_SECONDS)
    except SignatureExpired:
        raise HTTPException(401, "This sign-in link has expired; ask the bot for a new one. "
                                 "登录链接已过期，请向机器人重新获取。") from None
    except BadSignature:
        raise HTTPException(401, "This sign-in link is not valid. 登录链接无效。") from None
    with runtime.domain.uow() as uow:
        seen = uow.session.scalar(select(ProcessedEvent.id).where(
            ProcessedEvent.platform == "weblogin", ProcessedEvent.event_id == data["n"]))
        if seen is not None:
            raise HTTPException(401, "This sign-in link was already used. 登录链接已使用过。")
        uow.session.add(ProcessedEvent(platform="weblogin", event_id=data["n"],
                                       received_at=uow.now()))
        uow.commit()
    return int(data["p"]), local_path(str(data.get("next") or ""))


def local_path(value: str | None, default: str = "/dashboard") -> str:
    """``value`` if it is a path on this site, else ``default``: a ``next`` that points
    elsewhere (``//evil.example``, ``/\\evil.example``, ``https://…``) would turn sign-in into an
    open redirect."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or any(
            c in value for c in "\r\n\t"):
        return default
    return value


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def current_actor(request: Request) -> Actor:
    """The signed-in person with their roles; 401 when nobody is signed in."""
    person_id = request.session.get(SESSION_KEY)
    if person_id is None:
        raise HTTPException(401, "Please sign in. 请先登录。")
    runtime = _runtime(request)

    def load() -> Actor:
        with runtime.domain.read() as session:
            return load_actor(session, int(person_id))

    try:
        return await run_in_threadpool(load)
    except DomainError:
        request.session.clear()
        raise HTTPException(401, "Please sign in. 请先登录。") from None


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_api(scope: str) -> Any:
    """A dependency that authenticates the request's API key and checks ``scope``."""

    async def dependency(request: Request) -> ApiClient:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else (
            request.headers.get("x-api-key", ""))
        runtime = _runtime(request)

        def check() -> ApiClient:
            with runtime.domain.read() as session:
                return authenticate(session, token)

        try:
            client = await run_in_threadpool(check)
        except DomainError as exc:
            raise HTTPException(401, exc.localized("en")) from None
        try:
            client.require_scope(scope)
        except DomainError as exc:
            raise HTTPException(403, exc.localized("en")) from None
        limiter: RateLimiter = runtime.extras.setdefault("api_rate_limiter", RateLimiter())
        wait = limiter.allow(client.key_id, client.rate_limit_per_minute)
        if wait is not None:
            raise HTTPException(429, f"Rate limit of {client.rate_limit_per_minute} requests "
                                     f"per minute reached; retry in {wait:.0f} s.",
                                headers={"Retry-After": str(max(1, round(wait)))})
        if _note_due(runtime, client.key_id):
            await run_in_threadpool(_note_use, runtime, client.key_id)
        return client

    return Depends(dependency)


def _note_due(runtime: Runtime, key_id: int) -> bool:
    """Whether to record that a key was used: at most once a minute per key and process (a
    write per request would cost more than the request). Decided on the event loop, so the
    requests in between do not wait for a worker thread for nothing."""
    seen: dict[int, float] = runtime.extras.setdefault("api_key_last_noted", {})
    now = time.monotonic()
    if now - seen.get(key_id, -120.0) < 60.0:
        return False
    seen[key_id] = now
    return True


def _note_use(runtime: Runtime, key_id: int) -> None:
    with runtime.domain.uow() as uow:
        touch_key(uow, key_id)
        uow.commit()


def auth_routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/dashboard") -> Response:
        people: list[Person] = []
        if runtime.settings.emulator:
            with runtime.domain.read() as session:
                people = list(session.scalars(
                    select(Person).where(Person.active.is_(True))
                    .options(selectinload(Person.roles)).order_by(Person.id)))
        return render(request, "login.html", people=people, emulator=runtime.settings.emulator,
                      next=local_path(next))

    @router.post("/login/emulator")
    def login_emulator(request: Request, person_id: Annotated[int, Form()],
                       next: Annotated[str, Form()] = "/dashboard") -> Response:
        if not runtime.settings.emulator:
            raise HTTPException(403, "The demo sign-in is disabled (CREDITBOT_EMULATOR=0).")
        with runtime.domain.read() as session:
            load_actor(session, person_id)
        request.session.clear()
        request.session[SESSION_KEY] = person_id
        return RedirectResponse(local_path(next), 303)

    @router.get("/login/link/{token}")
    def login_with_link(request: Request, token: str) -> Response:
        person_id, next_path = _consume_link(runtime, token)
        request.session.clear()
        request.session[SESSION_KEY] = person_id
        return RedirectResponse(next_path, 303)

    @router.post("/logout")
    def logout(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/login", 303)

    return router
