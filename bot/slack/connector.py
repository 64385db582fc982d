"""The Slack adapter: slack-bolt's ``AsyncApp`` on creditbot's event loop.

Every listener acknowledges first (Slack wants an answer within three seconds) and then does
the work: the pipeline runs in a worker thread (it talks to the database), and the replies go
back through the Web API (``chat.postMessage`` in DMs, ``chat.update`` for a card updated in
place, ``views.open`` for modals) or the interaction's ``response_url`` (ephemeral answers in
channels). Bolt verifies the signature and refuses stale timestamps; :meth:`refuse_replays`
refuses a correctly signed request seen before. Retried deliveries (``X-Slack-Retry-Num``)
carry the same event id and are answered once by the pipeline.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy.exc import DBAPIError

from bot.bootstrap import Runtime, runtime_hook
from bot.delivery import Target, conversations, outlets, record_sent
from bot.messages import Capabilities, CardAction, Command, Envelope, Reply, Section
from bot.pipeline import Conversations, default_locale
from bot.slack import cards, events
from bot.slack.outlet import SlackOutlet, api_url
from bot.web.app import web_routes
from credit_domain.i18n import text_factory
from credit_domain.inbound.services import claim

_ = text_factory("bot")
log = logging.getLogger(__name__)

SLACK = Capabilities(update_in_place=True, buttons_call_back=True, forms=True, images=True,
                     markdown=True, default_locale="en")
NO_FORMS = replace(SLACK, forms=False)  # a plain message gives no trigger to open a modal


def _deferred(error: DBAPIError) -> dict[str, Any]:
    """The answer to a request met with the database away: 503, and Slack retries later."""
    log.warning("Slack request deferred: the database is unavailable (%s)",
                type(error).__name__)
    return {"status": 503, "body": {"error": "temporarily unavailable"},
            "headers": {"Retry-After": "5"}}


class SlackConnector:
    """See the module docstring."""

    def __init__(self, runtime: Runtime, pipeline: Conversations) -> None:
        settings = runtime.settings
        assert settings.slack_bot_token and settings.slack_signing_secret
        self.domain = runtime.domain
        self.pipeline = pipeline
        self.client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(),
                                     base_url=api_url(settings.slack_api_url))
        self.app = AsyncApp(signing_secret=settings.slack_signing_secret.get_secret_value(),
                            client=self.client, process_before_response=False,
                            name="creditbot")
        # The checks made before a request is acknowledged get threads of their own, and the
        # work after it (decisions, commands) one thread per core: in one shared pool a burst
        # of taps kept six threads busy with decisions, acknowledgements waited behind them
        # and for the interpreter, and drifted towards Slack's three seconds (bench/).
        self.before_ack = ThreadPoolExecutor(max_workers=4, thread_name_prefix="slack-ack")
        self.work = ThreadPoolExecutor(max_workers=os.cpu_count() or 2,
                                       thread_name_prefix="slack-work")
        self._register()

    # -- wiring ------------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        app.use(self.refuse_replays)
        app.error(self.on_error)
        app.command(re.compile(r"^/"))(self.on_slash)
        app.event("message")(self.on_message)
        app.event("app_mention")(self.on_message)
        app.event("app_home_opened")(self.on_home)
        app.action(re.compile("^" + re.escape(cards.BUTTON_PREFIX)))(self.on_button)
        app.action(re.compile("^" + re.escape(cards.LINK_PREFIX)))(self.on_link)
        app.view(cards.REASON_CALLBACK)(self.on_reason)
        app.view(cards.FORM_CALLBACK)(self.on_form)
        app.options(re.compile("^" + re.escape(cards.SUGGEST_PREFIX)))(self.on_suggest)

    async def refuse_replays(self, req: AsyncBoltRequest, resp: BoltResponse,
                             next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        """A signed request is accepted once: the same signature again is a replay."""
        if req.mode == "socket_mode":
            return await next()
        stamp = req.headers.get("x-slack-request-timestamp", [""])[0]
        signature = req.headers.get("x-slack-signature", [""])[0]
        digest = hashlib.sha256(f"{stamp}:{signature}".encode()).hexdigest()
        loop = asyncio.get_running_loop()
        if not await loop.run_in_executor(self.before_ack, self._first_time, digest):
            log.warning("refused a replayed Slack request (timestamp %s)", stamp)
            return BoltResponse(status=401, body={"error": "replayed request"})
        return await next()

    async def on_error(self, error: Exception, response: BoltResponse | None
                       ) -> BoltResponse | None:
        """A signed request Bolt or a listener could not process: the database away → 503
        (Slack retries); anything else is a payload we cannot read → 400, never a 500.
        (After the acknowledgement, ``response`` is None: only the log says it.)"""
        if isinstance(error, DBAPIError):
            answer = BoltResponse(**_deferred(error))
        else:
            log.warning("Slack request not processed: %s: %s", type(error).__name__, error,
                        exc_info=error)
            answer = BoltResponse(status=400, body={"error": "malformed request"})
        return answer if response is not None else None

    def _first_time(self, digest: str) -> bool:
        """True the first time a signature is seen. Claims are forgotten by the daily
        ``inbound-prune`` job, as every namespace's (``credit_domain.inbound.retention``)."""
        with self.domain.uow() as uow:
            fresh = claim(uow, "slack-sig", digest)
            uow.commit()
        return fresh

    # -- listeners ---------------------------------------------------------------------------
    async def on_slash(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        command, where = events.slash_command(body)
        await self._process(command, where, SLACK)

    async def on_message(self, ack: AsyncAck, body: dict[str, Any],
                         request: AsyncBoltRequest) -> None:
        await ack()
        retry = int((request.headers.get("x-slack-retry-num") or ["0"])[0] or 0)
        found = events.message(body, retry)
        if found is not None:
            command, where = found
            await self._process(command, where, NO_FORMS)

    async def on_button(self, ack: AsyncAck, body: dict[str, Any],
                        action: dict[str, Any]) -> None:
        await ack()
        button = cards.decode_button(str(action.get("value", "")))
        event, where = events.block_action(body, button.action_id, button.value)
        if button.needs_reason and where.trigger_id:
            await self._ask_reason(event, where, button)
            return
        await self._process(event, where, SLACK)

    async def on_link(self, ack: AsyncAck) -> None:
        await ack()  # a link button opens its URL in the browser; nothing to do here

    async def on_reason(self, ack: AsyncAck, body: dict[str, Any],
                        view: dict[str, Any]) -> None:
        form = cards.form_values(view)
        metadata = json.loads(view.get("private_metadata") or "{}")
        event, where = events.view_submission(body, metadata, form)
        if not form.get("reason", "").strip():  # only blanks: Slack's min_length let it pass
            locale = await asyncio.get_running_loop().run_in_executor(
                self.before_ack, self._locale, event.envelope)
            await ack(response_action="errors",
                      errors={"reason": _("Please give a reason.").render(locale)})
            return
        await ack()
        await self._process(event, where, SLACK)

    async def on_form(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        metadata = json.loads(view.get("private_metadata") or "{}")
        event, where = events.view_submission(body, metadata, cards.form_values(view))
        await self._process(event, where, SLACK)

    async def on_suggest(self, ack: AsyncAck, body: dict[str, Any],
                         payload: dict[str, Any]) -> None:
        kind = str(payload.get("action_id", ""))[len(cards.SUGGEST_PREFIX):]
        envelope = Envelope("slack", events._team(body), str(body["user"]["id"]), "",
                            "suggest")
        options = await asyncio.get_running_loop().run_in_executor(
            self.before_ack, self._suggestions, envelope, kind,
            str(payload.get("value", "")))
        await ack(options=[{"text": {"type": "plain_text", "text": label[:75]},
                            "value": value} for value, label in options[:100]])

    def _suggestions(self, envelope: Envelope, kind: str, query: str) -> list[tuple[str, str]]:
        source = self.pipeline.router.suggestions.get(kind)
        ctx = self.pipeline.context_for(envelope, SLACK)
        if source is None or ctx is None or not query.strip():
            return []
        return source(ctx, query.strip())

    async def on_home(self, ack: AsyncAck, event: dict[str, Any],
                      body: dict[str, Any]) -> None:
        await ack()
        if event.get("tab") != "home":
            return
        envelope = Envelope("slack", str(body.get("team_id", "")), str(event["user"]),
                            str(event.get("channel", "")), f"home:{body.get('event_id')}")
        view = await asyncio.to_thread(self._home, envelope)
        await self._call("views.publish", user_id=str(event["user"]), view=view)

    def _home(self, envelope: Envelope) -> dict[str, Any]:
        ctx = self.pipeline.context_for(envelope, SLACK)
        if ctx is None:
            text = self.pipeline.not_enrolled(envelope, SLACK).text
            return cards.home_view([Section(title="creditbot", text=text)])
        return cards.home_view(self.pipeline.router.home(ctx))

    # -- doing the work ----------------------------------------------------------------------
    async def _process(self, event: Command | CardAction, where: events.Where,
                       caps: Capabilities) -> None:
        try:
            replies, locale = await asyncio.get_running_loop().run_in_executor(
                self.work, self._work, event, caps)
        except Exception:
            log.exception("Slack event %s failed", event.envelope.event_id)
            return
        for reply in replies:
            try:
                await self._answer(reply, where, locale, event.envelope)
            except Exception:  # one failed answer must not stop the others
                log.exception("answering on Slack failed")

    def _work(self, event: Command | CardAction, caps: Capabilities
              ) -> tuple[list[Reply], str]:
        return self.pipeline.handle_in(event, caps)

    def _locale(self, envelope: Envelope) -> str:
        ctx = self.pipeline.context_for(envelope, SLACK)
        return ctx.locale if ctx is not None else default_locale(envelope, SLACK)

    async def _answer(self, reply: Reply, where: events.Where, locale: str,
                      envelope: Envelope) -> None:
        if reply.form is not None and where.trigger_id:
            metadata = {"a": reply.form.action_id, "v": dict(reply.form.value),
                        "channel": where.channel, "ts": where.message_ts,
                        "ephemeral": where.ephemeral, "response_url": where.response_url}
            await self._call("views.open", trigger_id=where.trigger_id,
                             view=cards.form_modal(reply.form, metadata, locale))
            reply = replace(reply, form=None)
            if reply.text is None and reply.card is None:
                return
        message = cards.reply_message(reply, locale)
        if reply.replace_original and where.message_ts and where.channel:
            if where.ephemeral and where.response_url:
                await AsyncWebhookClient(where.response_url).send_dict(
                    {**message, "replace_original": True})
            else:
                await self._call("chat.update", channel=where.channel, ts=where.message_ts,
                                 **message)
                await self._remember(reply, where, locale, f"{where.channel}/{where.message_ts}")
            return
        if where.direct and not where.slash:
            sent = await self._call("chat.postMessage", channel=where.channel, **message)
            await self._remember(reply, where, locale, f"{sent.get('channel')}/{sent.get('ts')}")
            return
        if where.response_url:
            await AsyncWebhookClient(where.response_url).send_dict(
                {**message, "response_type": "ephemeral"})
        elif where.channel:
            await self._call("chat.postEphemeral", channel=where.channel, user=where.user,
                             **message)

    async def _remember(self, reply: Reply, where: events.Where, locale: str,
                        message_id: str) -> None:
        """Record a card sent in a direct conversation under its key, so a notification
        about the same thing updates it (the notifier writes to people by user id)."""
        if reply.card is None or not reply.card.key or not where.direct:
            return
        target = Target("slack", where.team, where.user, locale, person_id=None)
        await asyncio.to_thread(record_sent, self.domain, target, message_id, reply.card.key)

    async def _ask_reason(self, event: CardAction, where: events.Where,
                          button: Any) -> None:
        locale = await asyncio.to_thread(self._locale, event.envelope)
        metadata = {"a": event.action_id, "v": dict(event.value), "channel": where.channel,
                    "ts": where.message_ts, "ephemeral": where.ephemeral,
                    "response_url": where.response_url}
        await self._call("views.open", trigger_id=where.trigger_id,
                         view=cards.reason_modal(button, metadata, locale))

    async def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.client.api_call(method, json=kwargs)
        return dict(response.data) if isinstance(response.data, dict) else {}

    # -- HTTP --------------------------------------------------------------------------------
    async def handle_http(self, request: Request) -> Response:
        """One POST to the Request URL. A body Bolt cannot even read (not UTF-8, JSON that is
        not an object) is refused with 400 before any signature check or listener."""
        body = await request.body()
        try:
            bolt_request = to_async_bolt_request(request, body)
        except (UnicodeDecodeError, AttributeError, TypeError, ValueError, KeyError) as exc:
            log.warning("Slack request refused: unreadable body (%s)", type(exc).__name__)
            return JSONResponse({"error": "malformed request"}, status_code=400)
        try:
            answer = await self.app.async_dispatch(bolt_request)
        except DBAPIError as exc:  # Bolt hands its listeners' to on_error; in case not
            deferred = _deferred(exc)
            return JSONResponse(deferred["body"], status_code=deferred["status"],
                                headers=deferred["headers"])
        except Exception as exc:
            # error handlers) fail on shapes Slack never sends: refuse, never a 500
            log.warning("Slack request refused: Bolt cannot process it (%s: %s)",
                        type(exc).__name__, exc)
            return JSONResponse({"error": "malformed request"}, status_code=400)
        return to_starlette_response(answer)


class SocketMode:
    """Socket Mode (``SLACK_APP_TOKEN``): Slack's events over a WebSocket, no public URL.
    Started and stopped with the web server."""

    def __init__(self, connector: SlackConnector, app_token: str) -> None:
        self.connector = connector
        self.app_token = app_token
        self.handler: Any = None

    async def start(self) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        self.handler = AsyncSocketModeHandler(self.connector.app, self.app_token,
                                              web_client=self.connector.client)
        await self.handler.connect_async()

    async def stop(self) -> None:
        if self.handler is not None:
            await self.handler.close_async()


@runtime_hook
def install_slack(runtime: Runtime) -> None:
    """When ``SLACK_BOT_TOKEN`` and ``SLACK_SIGNING_SECRET`` are set: the adapter, its outlet
    for notifications and, with ``SLACK_APP_TOKEN``, Socket Mode."""
    settings = runtime.settings
    if not settings.slack_enabled:
        return
    connector = SlackConnector(runtime, conversations(runtime))
    runtime.extras["slack"] = connector
    assert settings.slack_bot_token is not None
    outlets(runtime)["slack"] = SlackOutlet(settings.slack_bot_token.get_secret_value(),
                                            settings.slack_api_url,
                                            settings.slack_channel_map())
    if settings.slack_app_token is not None:
        runtime.background.append(
            SocketMode(connector, settings.slack_app_token.get_secret_value()))


@web_routes
def slack_routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    connector: SlackConnector | None = runtime.extras.get("slack")
    if connector is None:
        return router

    @router.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        """Events API, slash commands, interactivity and options: one Request URL."""
        return await connector.handle_http(request)

    return router

