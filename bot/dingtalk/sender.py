"""Sending to DingTalk through the OpenAPI v1.0.

- A card whose buttons call back, with a card template configured: an interactive card
  (``POST /v1.0/card/instances/createAndDeliver``) in the robot's chat with the person or in a
  group; updated in place later with ``PUT /v1.0/card/instances``.
- Anything else: a robot Markdown (or text) message: ``/v1.0/robot/oToMessages/batchSend`` to
  people, ``/v1.0/robot/groupMessages/send`` to a group the robot is in.
- Alert channels: the group robot webhook (``DINGTALK_ROBOT_WEBHOOK``), signed when
  ``DINGTALK_ROBOT_SECRET`` is set.

Failures raise the outbox's :class:`DeliveryFailed` (temporary ones are retried).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from bot.dingtalk import cards, robot
from bot.dingtalk.api import DingTalkApi, DingTalkApiError
from bot.messages import Capabilities, Card, CardAction, Reply
from bot.platform_support.refs import SentCard, SentCards
from bot.platform_support.senders import PlatformSender
from credit_domain.bootstrap import Domain
from credit_domain.orgs.models import Platform
from credit_domain.outbox.port import DeliveryFailed

log = logging.getLogger(__name__)
PLATFORM = "dingtalk"
WEBHOOK = "webhook"  # send_channel target naming the configured group robot
WEBHOOK_TEMPORARY = frozenset({130101, -1})  # sending too fast, busy


def _failed(exc: DingTalkApiError) -> DeliveryFailed:
    return DeliveryFailed(str(exc), permanent=not exc.temporary)


class DingTalkSender(PlatformSender):
    """Sends neutral replies as one DingTalk app and its robot."""

    platform = Platform.DINGTALK
    handle_ref = "out_track_id"

    def __init__(self, api: DingTalkApi, sent: SentCards, domain: Domain, *, robot_code: str,
                 card_template_id: str | None, stream: bool = True,
                 webhook: str | None = None, webhook_secret: str | None = None,
                 now_ms: Callable[[], int] | None = None) -> None:
        """Interactive cards need the card template and Stream mode: their button callbacks
        arrive only over the stream (see README, "DingTalk setup"). Without either, cards
        go out as Markdown and the person answers a card's question by number."""
        super().__init__(sent, domain)
        self.api = api
        self.robot_code = robot_code
        self.template_id = card_template_id if stream else None
        self.webhook = webhook
        self.webhook_secret = webhook_secret
        # The webhook signature is checked against DingTalk's wall clock, not the domain's.
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        cards_call_back = bool(self.template_id)
        self.capabilities = Capabilities(update_in_place=cards_call_back,
                                         buttons_call_back=cards_call_back, forms=False,
                                         images=True, markdown=True, default_locale="zh_CN")

    def _cards_enabled(self, reply: Reply) -> bool:
        return bool(self.template_id) and bool(cards.callback_buttons(reply.card))

    # -- people ------------------------------------------------------------------------------
    def send_direct(self, user_id: str, reply: Reply, *, person_id: int | None = None,
                    outbox_id: int | None = None) -> dict[str, Any]:
        """To ``user_id`` (DingTalk userid) in the robot's one-to-one chat."""
        if self._cards_enabled(reply):
            return self._deliver_card(reply, f"dtv1.card//IM_ROBOT.{user_id}", user_id,
                                      group=False, person_id=person_id, outbox_id=outbox_id)
        key, param = self._robot_message(reply)
        try:
            result = self.api.openapi("POST", "/v1.0/robot/oToMessages/batchSend", {
                "robotCode": self.robot_code, "userIds": [user_id], "msgKey": key,
                "msgParam": json.dumps(param, ensure_ascii=False)})
        except DingTalkApiError as exc:
            raise _failed(exc) from exc
        if result.get("invalidStaffIdList"):
            raise DeliveryFailed(f"DingTalk user {user_id} is not reachable", permanent=True)
        if result.get("flowControlledStaffIdList"):
            raise DeliveryFailed("DingTalk flow control", retry_after=60.0)
        return {"platform": PLATFORM, "user_id": user_id,
                "process_query_key": result.get("processQueryKey")}

    @staticmethod
    def _robot_message(reply: Reply) -> tuple[str, dict[str, str]]:
        if reply.card is None:
            return "sampleText", {"content": reply.as_text()}
        return "sampleMarkdown", cards.markdown_param(reply)

    def _deliver_card(self, reply: Reply, open_space_id: str, recipient: str, *, group: bool,
                      person_id: int | None = None, outbox_id: int | None = None
                      ) -> dict[str, Any]:
        assert reply.card is not None and self.template_id
        card = reply.card
        track = uuid.uuid4().hex
        space = "imGroup" if group else "imRobot"
        deliver: dict[str, Any] = {"robotCode": self.robot_code}
        if not group:
            deliver["spaceType"] = "IM_ROBOT"
        body = {"cardTemplateId": self.template_id, "outTrackId": track,
                "callbackType": "STREAM", "userIdType": 1,
                "cardData": {"cardParamMap": cards.card_params(card)},
                "openSpaceId": open_space_id,
                f"{space}OpenSpaceModel": {"supportForward": False},
                f"{space}OpenDeliverModel": deliver}
        try:
            result = self.api.openapi("POST", "/v1.0/card/instances/createAndDeliver", body)
        except DingTalkApiError as exc:
            raise _failed(exc) from exc
        delivered = (result.get("result") or {}).get("deliverResults") or []
        failed = [d for d in delivered if not d.get("success", True)]
        if failed:
            raise DeliveryFailed(f"card not delivered: {failed[0].get('errorMsg')}",
                                 permanent=True)
        self.sent.record(recipient=recipient, handle=track, card_key=card.key,
                         buttons=cards.slot_meanings(card), person_id=person_id,
                         outbox_id=outbox_id, extra={"open_space_id": open_space_id})
        if reply.text and not group:
            self.send_direct(recipient, Reply(text=reply.text))
        return {"platform": PLATFORM, "out_track_id": track, "recipient": recipient}

    # -- groups ------------------------------------------------------------------------------
    def send_channel(self, target: str, reply: Reply, *,
                     outbox_id: int | None = None) -> dict[str, Any]:
        """To a group: ``"webhook"`` (the configured group robot) or a group's
        ``openConversationId`` (``cid…``) the app's robot is in."""
        if target == WEBHOOK:
            return self.send_webhook(reply)
        if self._cards_enabled(reply):
            return self._deliver_card(reply, f"dtv1.card//IM_GROUP.{target}", target,
                                      group=True, outbox_id=outbox_id)
        key, param = self._robot_message(reply)
        try:
            result = self.api.openapi("POST", "/v1.0/robot/groupMessages/send", {
                "robotCode": self.robot_code, "openConversationId": target, "msgKey": key,
                "msgParam": json.dumps(param, ensure_ascii=False)})
        except DingTalkApiError as exc:
            raise _failed(exc) from exc
        return {"platform": PLATFORM, "conversation": target,
                "process_query_key": result.get("processQueryKey")}

    def send_webhook(self, reply: Reply) -> dict[str, Any]:
        """Post to the group robot webhook (signed when a secret is set)."""
        if not self.webhook:
            raise DeliveryFailed("DINGTALK_ROBOT_WEBHOOK is not set", permanent=True)
        url = robot.signed_url(self.webhook, self.webhook_secret, self._now_ms())
        try:
            result = self.api.post_url(url, cards.webhook_body(reply))
        except DingTalkApiError as exc:
            raise _failed(exc) from exc
        errcode = int(result.get("errcode", 0))
        if errcode != 0:
            raise DeliveryFailed(f"group robot: {errcode} {result.get('errmsg')}",
                                 permanent=errcode not in WEBHOOK_TEMPORARY)
        return {"platform": PLATFORM, "webhook": True}

    def reply_in_session(self, session_webhook: str, reply: Reply) -> None:
        """Answer a robot message through its ``sessionWebhook`` (valid about 90 minutes)."""
        try:
            result = self.api.post_url(session_webhook, cards.webhook_body(reply))
        except DingTalkApiError as exc:
            raise _failed(exc) from exc
        if int(result.get("errcode", 0)) != 0:
            raise DeliveryFailed(f"session webhook: {result.get('errmsg')}", permanent=True)

    def _trusted(self, session_webhook: str) -> bool:
        """Answer through a session webhook only on DingTalk's own server (the configured
        ``oapi`` host): the URL comes in the event, and a credit answer must not be sent
        wherever an event says; otherwise the answer goes through the OpenAPI."""
        if not session_webhook:
            return False
        url, home = urlsplit(session_webhook), urlsplit(self.api.oapi_url)
        if (url.scheme, url.netloc) == (home.scheme, home.netloc):
            return True
        log.warning("session webhook on %s ignored: not DingTalk's %s", url.netloc or "?",
                    home.netloc)
        return False

    # -- updates -----------------------------------------------------------------------------
    def _update_copy(self, copy: SentCard, card: Card) -> str:
        decided = (None if cards.callback_buttons(card)
                   else cards.decision_text(card, copy.card_key))
        try:
            self.api.openapi("PUT", "/v1.0/card/instances", {
                "outTrackId": copy.handle,
                "cardData": {"cardParamMap": cards.card_params(card, decided=decided)},
                "cardUpdateOptions": {"updateCardDataByKey": True}})
        except DingTalkApiError as exc:
            if exc.temporary:
                raise _failed(exc) from exc
            log.info("card %s cannot be updated (%s); sending a new message", copy.handle, exc)
            if str(copy.extra.get("open_space_id", "")).startswith("dtv1.card//IM_GROUP."):
                self.send_channel(copy.recipient, Reply(card=card))
            else:
                self.send_direct(copy.recipient, Reply(card=card), person_id=copy.person_id)
            return "resent"
        meanings = cards.slot_meanings(card) if decided is None else None
        self.sent.touch(copy.id, buttons=meanings, shows=decided or card.title)
        return "updated"

    # -- answering an inbound event ------------------------------------------------------------
    def answer(self, event_raw: Mapping[str, Any], user_id: str, replies: Sequence[Reply],
               action: CardAction | None = None) -> None:
        """Deliver a handler's replies to the person who wrote or tapped: a card that replaces
        the tapped one (or the person's copies of its key) is updated in place; text and
        notices answer a private chat through its session webhook; cards whose buttons call
        back go out as interactive cards. An answer to a message written in a group goes to
        the person's private chat with the robot: credit figures are not for the group."""
        private = str(event_raw.get("conversationType") or "1") == "1"
        session_webhook = str(event_raw.get("sessionWebhook") or "") if private else ""
        for reply in replies:
            card = reply.card
            if reply.replace_original and card is not None and self.replace_card(
                    user_id, card, action):
                if reply.text:
                    self._to_person(session_webhook, user_id, Reply(text=reply.text))
                continue
            self._to_person(session_webhook, user_id, reply)

    def _to_person(self, session_webhook: str, user_id: str, reply: Reply) -> None:
        if self._trusted(session_webhook) and not self._cards_enabled(reply):
            self.reply_in_session(session_webhook, reply)
        else:
            self.send_direct(user_id, reply)
