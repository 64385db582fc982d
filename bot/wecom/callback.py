"""``GET|POST /wecom/callback``: WeCom's callback URL.

GET answers URL verification with the decrypted ``echostr``. POST verifies ``msg_signature``,
decrypts with the EncodingAESKey, checks the corp id, and takes each delivery in once (by
MsgId, or sender + CreateTime). A failed check answers 403 and changes nothing.

WeCom waits five seconds for an answer, then retries. So the route answers at once and the
conversation runs after: a text message is answered with an empty 200 and its replies go out
as app messages. A card click waits up to :data:`CALLBACK_WINDOW` for the handler: a decision
made in time updates the tapped card in the passive reply itself (its buttons give way to the
decision); a slower one, or a different card replacing the tapped one, updates it afterwards
with ``update_template_card`` and the click's ``ResponseCode``.

A callback whose ``timestamp`` is more than :data:`REPLAY_WINDOW` away from now is refused
(a replay); within it, its delivery id is found taken in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Sequence

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from bot.messages import CardAction, Command, Reply
from bot.platform_support.inbound import (
    BackgroundWork,
    Deliveries,
    InboundHandler,
    run_handler,
)
from bot.platform_support.refs import SentCards
from bot.wecom import cards, events
from bot.wecom.crypto import CallbackRejected, WeComCrypto
from bot.wecom.sender import RESPONSE_CODE_TTL, WeComSender
from credit_domain.inbound.retention import INBOUND_REPLAY_WINDOWS

log = logging.getLogger(__name__)
CALLBACK_WINDOW = 3.0  # seconds of WeCom's five spent waiting for a decision
REPLAY_WINDOW = INBOUND_REPLAY_WINDOWS["wecom-in"]
MAX_BODY = 256 * 1024


class WeComCallback:
    """Verifies, parses and dispatches WeCom callbacks (see module docstring)."""

    def __init__(self, *, crypto: WeComCrypto, deliveries: Deliveries, sent: SentCards,
                 sender: WeComSender | None, work: BackgroundWork,
                 handler: Callable[[], InboundHandler], agent_id: int | None,
                 window: float = CALLBACK_WINDOW,
                 clock: Callable[[], float] = time.time) -> None:
        self.crypto = crypto
        self.deliveries = deliveries
        self.sent = sent
        self.sender = sender
        self.work = work
        self.handler = handler
        self.agent_id = agent_id
        self.window = window
        self.clock = clock  # WeCom's timestamps are wall-clock seconds

    async def verify(self, request: Request) -> Response:
        q = request.query_params
        try:
            echo = self.crypto.verify_url(q.get("msg_signature", ""), q.get("timestamp", ""),
                                          q.get("nonce", ""), q.get("echostr", ""))
        except CallbackRejected as exc:
            log.warning("WeCom URL verification refused: %s", exc)
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(echo)

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        q = request.query_params
        try:
            message = self.crypto.decrypt(body, q.get("msg_signature", ""),
                                          q.get("timestamp", ""), q.get("nonce", ""))
            fresh(q.get("timestamp", ""), self.clock())
        except CallbackRejected as exc:
            log.warning("WeCom callback refused: %s", exc)
            return PlainTextResponse("forbidden", status_code=403)
        event = events.parse(message, agent_id=self.agent_id)
        if event is None:
            return PlainTextResponse("")
        delivery = event.envelope.event_id
        if not await asyncio.to_thread(self.deliveries.claim, delivery):
            log.info("WeCom re-delivery %s ignored", delivery)
            return PlainTextResponse("")
        if isinstance(event, Command):
            self.work.spawn(self._converse(event), name=f"wecom {delivery}")
            return PlainTextResponse("")
        return await self._click(event, q.get("nonce", ""), q.get("timestamp", ""))

    async def _converse(self, command: Command) -> None:
        replies = await self._run(command)
        if replies and self.sender is not None:
            await asyncio.to_thread(self.sender.answer, command.envelope.user_id, replies)

    async def _run(self, event: Command | CardAction) -> Sequence[Reply]:
        return await run_handler(self.handler(), self.deliveries, event)

    async def _click(self, action: CardAction, nonce: str, timestamp: str) -> Response:
        # The click's single-use ResponseCode is kept with the sent card, not in the action:
        # two taps on one button must look alike to the pipeline's double-tap check.
        ref = dict(action.message_ref or {})
        task_id, code = str(ref.get("task_id", "")), str(ref.pop("response_code", ""))
        copy = await asyncio.to_thread(self.sent.by_handle, task_id) if task_id else None
        if copy is not None:
            ref["card_key"] = copy.card_key
            meaning = cards.meaning_of(action.action_id, action.value, copy.buttons)
            if meaning is not None and meaning.get("needs_reason"):
                ref.update(needs_reason=True, label=str(meaning.get("label") or ""),
                           prompt=meaning.get("prompt"))
            if code:
                await asyncio.to_thread(self.sent.renew_response_code, task_id, code,
                                        RESPONSE_CODE_TTL)
        action = dataclasses.replace(action, message_ref=ref)
        task = self.work.spawn(self._run(action), name=f"wecom {action.envelope.event_id}")
        done, _ = await asyncio.wait({task}, timeout=self.window)
        if task not in done:
            self.work.spawn(self._after_window(task, action))
            return PlainTextResponse("")
        if task.exception() is not None:
            return PlainTextResponse("")
        replies = list(task.result())
        # The decision shown on the tapped card itself goes in the passive reply (its
        # buttons give way to the decision); any other card replacing it (a choice card
        # becoming the chosen customer's card) updates the whole card with the click's code.
        key = ref.get("card_key")
        passive = next((r for r in replies if r.replace_original and r.card is not None
                        and key and r.card.key == key), None)
        rest = [r for r in replies if r is not passive]
        if passive is not None and passive.text:
            rest.insert(0, Reply(text=passive.text))
        if rest and self.sender is not None:
            self.work.spawn(asyncio.to_thread(self.sender.answer, action.envelope.user_id, rest,
                                              action))
        if passive is None or passive.card is None:
            return PlainTextResponse("")
        xml = cards.passive_update_button(action.envelope.user_id, self.crypto.corp_id,
                                          cards.decision_text(passive.card, key))
        return Response(self.crypto.encrypt(xml, nonce, timestamp),
                        media_type="application/xml")

    async def _after_window(self, task: asyncio.Task[Sequence[Reply]],
                            action: CardAction) -> None:
        replies = await task
        if replies and self.sender is not None:
            await asyncio.to_thread(self.sender.answer, action.envelope.user_id, replies,
                                    action)


def fresh(timestamp: str, now: float) -> None:
    """Refuse a callback signed more than :data:`REPLAY_WINDOW` away from ``now``: a request
    replayed later than that is refused here, sooner it finds its delivery already taken in
    (``processed_events`` keeps deliveries far longer, see ``credit_domain.inbound``)."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > REPLAY_WINDOW.total_seconds():
        raise CallbackRejected("stale or missing timestamp")


def wecom_router(callback: WeComCallback) -> APIRouter:
    router = APIRouter(tags=["wecom"])
    router.add_api_route("/wecom/callback", callback.verify, methods=["GET"],
                         include_in_schema=False)
    router.add_api_route("/wecom/callback", callback.receive, methods=["POST"],
                         include_in_schema=False)
    return router
