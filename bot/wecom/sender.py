"""Sending to WeCom: app messages to people, group-chat (appchat) messages for alerts, and
updates of sent template cards.

A card is updated with ``message/update_template_card`` and the copy's stored single-use
``response_code`` (72 hours, renewed by each click); when none is usable any more the updated
card goes out as a new message. Failures raise the outbox's :class:`DeliveryFailed`
(temporary ones are retried by the dispatcher).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from bot.messages import Capabilities, Card, CardAction, Reply
from bot.platform_support.refs import SentCard, SentCards
from bot.platform_support.senders import PlatformSender
from bot.wecom import cards
from bot.wecom.client import WeComApiError, WeComClient
from bot.wecom.events import encode_button_key
from credit_domain.bootstrap import Domain
from credit_domain.orgs.models import Platform
from credit_domain.outbox.port import DeliveryFailed

log = logging.getLogger(__name__)
PLATFORM = "wecom"
RESPONSE_CODE_TTL = dt.timedelta(hours=72)
TEMPLATE_REFUSED = frozenset({40008, 40058})  # message type / parameter refused
RATE_LIMITED = frozenset({45009, 45033, 45047})


DUPLICATE_CHECK_SECONDS = 4 * 3600  # WeCom's maximum


def new_task_id(outbox_id: int | None = None, user_id: str = "") -> str:
    """A template card's task id: for an outbox delivery, the same on every attempt (so a
    resend is the same message to WeCom's duplicate check); else a fresh one."""
    if outbox_id is None:
        return f"cb{uuid.uuid4().hex}"
    return f"cbo{outbox_id}-{hashlib.sha256(user_id.encode()).hexdigest()[:16]}"


def _failed(exc: WeComApiError) -> DeliveryFailed:
    return DeliveryFailed(str(exc), permanent=not exc.temporary,
                          retry_after=60.0 if exc.errcode in RATE_LIMITED else None)


class WeComSender(PlatformSender):
    """Sends neutral replies as one WeCom app (``agentid``)."""

    platform = Platform.WECOM
    handle_ref = "task_id"

    def __init__(self, client: WeComClient, sent: SentCards, domain: Domain, *,
                 callbacks: bool = True) -> None:
        """``callbacks``: the app's callback URL is configured, so card buttons reach
        creditbot (without it cards go out as Markdown)."""
        super().__init__(sent, domain)
        self.client = client
        self.capabilities = Capabilities(update_in_place=callbacks, buttons_call_back=callbacks,
                                         forms=False, images=False, markdown=True,
                                         default_locale="zh_CN")

    # -- people ------------------------------------------------------------------------------
    def send_direct(self, user_id: str, reply: Reply, *, person_id: int | None = None,
                    outbox_id: int | None = None) -> dict[str, Any]:
        """An app message to ``user_id``: a template card when the card's buttons call back
        (recorded for later updates), else Markdown or text."""
        task_id = (new_task_id(outbox_id, user_id) if self.capabilities.buttons_call_back
                   and cards.wants_template_card(reply) else None)
        dedupe = outbox_id is not None
        try:
            result = self._message_send(user_id, cards.message_body(reply, task_id), dedupe)
        except WeComApiError as exc:
            if task_id is None or exc.errcode not in TEMPLATE_REFUSED:
                raise _failed(exc) from exc
            log.warning("WeCom refused a template card (%s); sending Markdown instead", exc)
            task_id = None
            try:
                result = self._message_send(user_id, cards.markdown_message(reply), dedupe)
            except WeComApiError as again:
                raise _failed(again) from again
        ref = {"platform": PLATFORM, "user_id": user_id, "msgid": result.get("msgid")}
        if (task_id is not None and reply.card is not None
                and self.sent.by_handle(task_id) is None):  # a resend WeCom dropped
            self.sent.record(
                recipient=user_id, handle=task_id, card_key=reply.card.key,
                buttons=cards.button_meanings(reply.card), message_id=result.get("msgid"),
                response_code=result.get("response_code") or None,
                response_code_ttl=RESPONSE_CODE_TTL, person_id=person_id, outbox_id=outbox_id)
            ref["task_id"] = task_id
        return ref

    def _message_send(self, user_id: str, body: Mapping[str, Any],
                      dedupe: bool = False) -> dict[str, Any]:
        # Outbox deliveries ask for WeCom's duplicate check, which drops the same message to
        # the same person within the interval: one sent again after a crash between its send
        # and its mark (at-least-once) reaches the person once. (Not for chat answers: the
        # same question asked twice must be answered twice.)
        check = ({"enable_duplicate_check": 1,
                  "duplicate_check_interval": DUPLICATE_CHECK_SECONDS} if dedupe else {})
        result = self.client.call("post", "message/send", data={
            "touser": user_id, "agentid": self.client.agent_id, **body, **check})
        if result.get("invaliduser"):
            raise WeComApiError(81013, f"invalid user {result['invaliduser']}")
        return result

    # -- group chats -------------------------------------------------------------------------
    def send_channel(self, target: str, reply: Reply, *,
                     outbox_id: int | None = None) -> dict[str, Any]:
        """A message to the app group chat ``target`` (a chatid; cards as Markdown there)."""
        chat_id = target
        body = cards.markdown_message(reply) if reply.card else cards.text_message(reply)
        try:
            result = self.client.call("post", "appchat/send",
                                      data={"chatid": chat_id, "safe": 0, **body})
        except WeComApiError as exc:
            raise _failed(exc) from exc
        return {"platform": PLATFORM, "chat_id": chat_id, "msgid": result.get("msgid")}

    # -- updates -----------------------------------------------------------------------------
    def _update_copy(self, copy: SentCard, card: Card) -> str:
        code = self.sent.take_response_code(copy.id)
        if code is not None:
            try:
                self.client.call("post", "message/update_template_card", data={
                    "userids": [copy.recipient], "agentid": self.client.agent_id,
                    "response_code": code, "template_card": self._updated(copy, card)})
            except WeComApiError as exc:
                if exc.temporary:
                    self.sent.renew_response_code(copy.handle, code, RESPONSE_CODE_TTL)
                    raise _failed(exc) from exc
                log.info("response code of %s unusable (%s); sending a new message",
                         copy.handle, exc)
            else:
                meanings = cards.button_meanings(card) if cards.callback_buttons(card) else None
                self.sent.touch(copy.id, buttons=meanings, shows=card.subtitle or card.title)
                return "updated"
        self.send_direct(copy.recipient, Reply(card=card), person_id=copy.person_id)
        return "resent"

    def _updated(self, copy: SentCard, card: Card) -> dict[str, Any]:
        if cards.callback_buttons(card):
            return cards.template_card(card, copy.handle)
        decided = cards.template_card(card, copy.handle,
                                      decided=cards.decision_text(card, copy.card_key))
        decided["button_list"] = [
            {"text": str(b.get("label") or b["action_id"]), "style": 3,
             "key": encode_button_key(str(b["action_id"]), dict(b.get("value") or {}))}
            for b in copy.buttons][:cards.MAX_BUTTONS] or decided["button_list"]
        return decided

    # -- answering an inbound event ------------------------------------------------------------
    def answer(self, user_id: str, replies: Sequence[Reply],
               action: CardAction | None = None) -> None:
        """Deliver a handler's replies: a card that replaces the tapped one (or the person's
        copies of its key) is updated in place, everything else goes out as app messages."""
        for reply in replies:
            card = reply.card
            if reply.replace_original and card is not None and self.replace_card(
                    user_id, card, action):
                if reply.text:
                    self.send_direct(user_id, Reply(text=reply.text))
                continue
            self.send_direct(user_id, reply)
