"""The emulator's page at ``/`` and its small JSON API (the page polls for new messages).
Only with ``CREDITBOT_EMULATOR=1``; people sign in with the demo picker of ``/login``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.bootstrap import Runtime
from bot.emulator.cards import card_html, form_html, text_html
from bot.emulator.connector import EMULATOR, EmulatorConnector
from bot.messages import Envelope, card_from_json, form_from_json
from bot.web.app import web_routes
from bot.web.auth import SESSION_KEY, CurrentActor
from bot.web.templating import render, request_locale
from credit_domain.access import Actor
from credit_domain.conversations.models import EmulatorMessage
from credit_domain.errors import DomainError
from credit_domain.i18n import text_factory

_ = text_factory("bot")


class SendBody(BaseModel):
    text: str = Field(max_length=4000)
    client_id: str = Field("", max_length=64)


class ActionBody(BaseModel):
    message_id: int
    index: int | None = None  # None: the message's form was submitted
    form: dict[str, str] = Field(default_factory=dict)
    client_id: str = Field("", max_length=64)


def labels(locale: str) -> dict[str, str]:
    """Words the page's script needs, in the page's language."""
    return {"reason": _("Reason").render(locale), "submit": _("Submit").render(locale),
            "send": _("Send").render(locale), "confirm": _("Confirm").render(locale),
            "cancel": _("Cancel").render(locale)}


def message_json(row: EmulatorMessage, words: dict[str, str]) -> dict[str, Any]:
    parts = []
    if row.text and row.from_bot:
        parts.append(f'<div class="text">{text_html(row.text)}</div>')
    elif row.text:
        parts.append(str(text_html(row.text)))
    if row.card:
        parts.append(str(card_html(card_from_json(row.card), row.id, words)))
    if row.form:
        parts.append(str(form_html(form_from_json(row.form), row.id, words)))
    return {"id": row.id, "version": row.version, "from_bot": row.from_bot,
            "html": "".join(parts)}


@web_routes
def emulator_routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    if not runtime.settings.emulator:
        return router
    connector: EmulatorConnector = runtime.extras["emulator"]

    def failed(exc: DomainError, request: Request) -> JSONResponse:
        return JSONResponse({"error": exc.localized(request_locale(request))}, 400)

    @router.get("/")
    def page(request: Request) -> Response:
        if request.session.get(SESSION_KEY) is None:
            return RedirectResponse("/login?next=/", 303)
        return render(request, "emulator.html", words=labels(request_locale(request)))

    @router.get("/emulator/api/feeds")
    async def feeds(actor: CurrentActor) -> dict[str, Any]:
        found = await run_in_threadpool(connector.feeds, actor)
        return {"me": actor.name, "feeds": [f.__dict__ for f in found]}

    @router.get("/emulator/api/messages")
    async def messages(request: Request, actor: CurrentActor,
                       feed: Annotated[str, Query(max_length=160)]) -> dict[str, Any]:
        rows = await run_in_threadpool(connector.messages, actor, feed)
        words = labels(request_locale(request))
        return {"feed": feed, "messages": [message_json(r, words) for r in rows]}

    @router.post("/emulator/api/send")
    async def send(request: Request, actor: CurrentActor, body: SendBody) -> Response:
        try:
            await run_in_threadpool(connector.send, actor, body.text, body.client_id)
        except DomainError as exc:
            return failed(exc, request)
        return JSONResponse({"ok": True})

    @router.post("/emulator/api/action")
    async def action(request: Request, actor: CurrentActor, body: ActionBody) -> Response:
        try:
            await run_in_threadpool(connector.act, actor, body.message_id, body.index,
                                    body.form, body.client_id)
        except DomainError as exc:
            return failed(exc, request)
        return JSONResponse({"ok": True})

    @router.get("/emulator/api/suggest")
    async def suggest(actor: CurrentActor, kind: Annotated[str, Query(max_length=32)],
                      q: Annotated[str, Query(max_length=200)] = "") -> dict[str, Any]:
        return {"options": await run_in_threadpool(_suggest, connector, actor, kind, q)}

    return router


def _suggest(connector: EmulatorConnector, actor: Actor, kind: str, query: str
             ) -> list[dict[str, str]]:
    source = connector.pipeline.router.suggestions.get(kind)
    if source is None or not query.strip() or actor.person_id is None:
        return []
    envelope = Envelope("emulator", "", f"person:{actor.person_id}", f"dm:{actor.person_id}",
                        "suggest", person_id=actor.person_id)
    ctx = connector.pipeline.context_for(envelope, EMULATOR)
    if ctx is None:
        return []
    return [{"value": v, "label": label} for v, label in source(ctx, query.strip())]
