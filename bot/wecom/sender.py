"""Sending to WeCom: app messages to people, group-chat (appchat) messages for alerts, and
updates of sent template cards.

A card is updated with ``message/update_template_card`` and the copy's stored single-use
``response_code`` (72 hours, renewed by each click); when none is usable any more the updated
card goes out as a new message. Failures raise the outbox's :class:`DeliveryFailed`
(temporary ones are retried by the dispatcher).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from bot.messages import Capabilities, Card, CardAction, Reply
from bot.platform_support.refs import SentCard, SentCards
from bot.wecom import cards
from bot.wecom.client import WeComApiError, WeComClient
from bot.wecom.events import encode_button_key
from credit_domain.bootstrap import Domain
from credit_domain.orgs.models import Platform, PlatformIdentity
from credit_domain.outbox.port import DeliveryFailed

log = logging.getLogger(__name__)
PLATFORM = "wecom"
RESPONSE_CODE_TTL = dt.timedelta(hours=72)
TEMPLATE_REFUSED = frozenset({40008, 40058})  # message type / parameter refused
RATE_LIMITED = frozenset({45009, 45033, 45047})


def new_task_id() -> str:
    return f"cb{uuid.uuid4().hex}"


def _failed(exc: WeComApiError) -> DeliveryFailed:
    return DeliveryFailed(str(exc), permanent=not exc.temporary,
                          retry_after=60.0 if exc.errcode in RATE_LIMITED else None)


class WeComSender:
    """Sends neutral replies as one WeCom app (``agentid``)."""

    platform = PLATFORM
    capabilities = Capabilities(update_in_place=True, buttons_call_back=True, forms=False,
                                images=False, markdown=True)

    def __init__(self, client: WeComClient, sent: SentCards, domain: Domain) -> None:
        self.client = client
        self.sent = sent
        self._domain = domain

    # -- people ------------------------------------------------------------------------------
    def send_to_person(self, person_id: int, reply: Reply, *,
                       outbox_id: int | None = None) -> dict[str, Any]:
        """Send to a person's WeCom account (their :class:`PlatformIdentity`)."""
        user_id = self.user_id_of(person_id)
        if user_id is None:
            raise DeliveryFailed(f"person {person_id} has no WeCom account", permanent=True)
        return self.send_direct(user_id, reply, person_id=person_id, outbox_id=outbox_id)

    def user_id_of(self, person_id: int) -> str | None:
        with self._domain.read() as session:
            return session.scalar(select(PlatformIdentity.external_id).where(
                PlatformIdentity.person_id == person_id,
                PlatformIdentity.platform == Platform.WECOM).order_by(PlatformIdentity.id))

    def send_direct(self, user_id: str, reply: Reply, *, person_id: int | None = None,
                    outbox_id: int | None = None) -> dict[str, Any]:
        """An app message to ``user_id``: a template card when the card's buttons call back
        (recorded for later updates), else Markdown or text."""
        task_id = new_task_id() if cards.wants_template_card(reply) else None
        try:
            result = self._message_send(user_id, cards.message_body(reply, task_id))
        except WeComApiError as exc:
            if task_id is None or exc.errcode not in TEMPLATE_REFUSED:
                raise _failed(exc) from exc
            log.warning("WeCom refused a template card (%s); sending Markdown instead", exc)
            task_id = None
            try:
                result = self._message_send(user_id, cards.markdown_message(reply))
            except WeComApiError as again:
                raise _failed(again) from again
        ref = {"platform": PLATFORM, "user_id": user_id, "msgid": result.get("msgid")}
        if task_id is not None and reply.card is not None:
            self.sent.record(
                recipient=user_id, handle=task_id, card_key=reply.card.key,
                buttons=cards.button_meanings(reply.card), message_id=result.get("msgid"),
                response_code=result.get("response_code") or None,
                response_code_ttl=RESPONSE_CODE_TTL, person_id=person_id, outbox_id=outbox_id)
            ref["task_id"] = task_id
        return ref

    def _message_send(self, user_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        result = self.client.call("post", "message/send", data={
            "touser": user_id, "agentid": self.client.agent_id, **body})
        if result.get("invaliduser"):
            raise WeComApiError(81013, f"invalid user {result['invaliduser']}")
        return result

    # -- group chats -------------------------------------------------------------------------
    def send_channel(self, chat_id: str, reply: Reply, *,
                     outbox_id: int | None = None) -> dict[str, Any]:
        """A message to an app group chat (``appchat``; cards as Markdown there)."""
        body = cards.markdown_message(reply) if reply.card else cards.text_message(reply)
        try:
            result = self.client.call("post", "appchat/send",
                                      data={"chatid": chat_id, "safe": 0, **body})
        except WeComApiError as exc:
            raise _failed(exc) from exc
        return {"platform": PLATFORM, "chat_id": chat_id, "msgid": result.get("msgid")}

    # -- updates -----------------------------------------------------------------------------
    def update_card(self, card: Card, *, recipient: str | None = None) -> dict[str, Any]:
        """Show ``card`` in place of every sent copy of ``card.key`` (or only
        ``recipient``'s)."""
        if not card.key:
            raise ValueError("only a card with a key can be updated")
        outcome = {"updated": 0, "resent": 0}
        for copy in self.sent.copies(card.key, recipient):
            outcome[self._update_copy(copy, card)] += 1
        return outcome

    def update_clicked(self, action: CardAction, card: Card) -> str:
        """Update the card whose button ``action`` came from (after the callback window)."""
        task_id = str((action.message_ref or {}).get("task_id") or "")
        copy = self.sent.by_handle(task_id) if task_id else None
        if copy is None:
            self.send_direct(action.envelope.user_id, Reply(card=card))
            return "resent"
        return self._update_copy(copy, card)

    def _update_copy(self, copy: SentCard, card: Card) -> str:
        code = self.sent.take_response_code(copy.id)
        if code is not None:
            try:
                self.client.call("post", "message/update_template_card", data={
                    "userids": [copy.recipient], "agentid": self.client.agent_id,
                    "response_code": code, "template_card": self._updated(copy, card)})
                self.sent.touch(copy.id, shows=card.subtitle or card.title)
                return "updated"
            except WeComApiError as exc:
                if exc.temporary:
                    self.sent.renew_response_code(copy.handle, code, RESPONSE_CODE_TTL)
                    raise _failed(exc) from exc
                log.info("response code of %s unusable (%s); sending a new message",
                         copy.handle, exc)
        self.send_direct(copy.recipient, Reply(card=card), person_id=copy.person_id)
        return "resent"

    def _updated(self, copy: SentCard, card: Card) -> dict[str, Any]:
        if cards.callback_buttons(card):
            return cards.template_card(card, copy.handle)
        decided = cards.template_card(card, copy.handle, decided=cards.decision_text(card))
        decided["button_list"] = [
            {"text": str(b.get("label") or b["action_id"]), "style": 3,
             "key": encode_button_key(str(b["action_id"]), dict(b.get("value") or {}))}
            for b in copy.buttons][:cards.MAX_BUTTONS] or decided["button_list"]
        return decided

    # -- answering an inbound event ------------------------------------------------------------
    def answer(self, user_id: str, replies: Sequence[Reply],
               action: CardAction | None = None) -> None:
        """Deliver a handler's replies: card updates in place, everything else as messages."""
        for reply in replies:
            if action is not None and reply.replace_original and reply.card is not None:
                self.update_clicked(action, reply.card)
                if reply.text:
                    self.send_direct(user_id, Reply(text=reply.text))
            else:
                self.send_direct(user_id, reply)
