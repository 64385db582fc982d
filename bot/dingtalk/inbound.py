"""What happens to a DingTalk delivery, whichever way it came (a robot message over Stream or
the robot's HTTP mode, a card callback over Stream): parse, take it in once (by message id),
and run the conversation after the acknowledgement."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.dingtalk import events
from bot.dingtalk.sender import DingTalkSender
from bot.messages import CardAction, Command, Reply
from bot.platform_support.inbound import (
    BackgroundWork,
    Deliveries,
    InboundHandler,
    run_handler,
)
from bot.platform_support.refs import SentCards

log = logging.getLogger(__name__)


class DingTalkInbound:
    def __init__(self, *, deliveries: Deliveries, sent: SentCards,
                 sender: DingTalkSender | None, work: BackgroundWork,
                 handler: Callable[[], InboundHandler], corp_id: str | None = None) -> None:
        self.corp_id = corp_id
        self.deliveries = deliveries
        self.sent = sent
        self.sender = sender
        self.work = work
        self.handler = handler

    async def robot_message(self, data: Mapping[str, Any]) -> bool:
        """Take in a robot message; False when it is not one or was already taken in."""
        if not self._our_corp(data.get("senderCorpId") or data.get("chatbotCorpId")):
            return False
        command = events.parse_robot_message(data)
        if command is None or not await self._claim(command.envelope.event_id):
            return False
        if not command.envelope.is_direct:  # how an administrator finds a group's channel id
            log.info("DingTalk group %s is %s", data.get("conversationTitle") or "?",
                     command.envelope.conversation_id)
        self.work.spawn(self._converse(command), name=f"dingtalk {command.envelope.event_id}")
        return True

    async def card_callback(self, data: Mapping[str, Any], message_id: str) -> bool:
        """Take in an interactive-card button callback (a stream message ``message_id``)."""
        if not self._our_corp(data.get("corpId")):
            return False
        track = events.out_track_id(data)
        sent = await asyncio.to_thread(self.sent.by_handle, track) if track else None
        action = events.parse_card_callback(
            data, delivery_id=events.card_delivery_id(message_id), sent=sent)
        if action is None or not await self._claim(action.envelope.event_id):
            return False
        self.work.spawn(self._act(action), name=f"dingtalk {action.envelope.event_id}")
        return True

    def _our_corp(self, corp: object) -> bool:
        """With DINGTALK_CORP_ID set, deliveries naming another organisation are dropped."""
        if self.corp_id and corp and str(corp) != self.corp_id:
            log.warning("DingTalk delivery for organisation %s ignored", corp)
            return False
        return True

    async def _claim(self, delivery: str) -> bool:
        if await asyncio.to_thread(self.deliveries.claim, delivery):
            return True
        log.info("DingTalk re-delivery %s ignored", delivery)
        return False

    async def _run(self, event: Command | CardAction) -> Sequence[Reply]:
        return await run_handler(self.handler(), self.deliveries, event)

    async def _converse(self, command: Command) -> None:
        replies = await self._run(command)
        if replies and self.sender is not None:
            await asyncio.to_thread(self.sender.answer, command.envelope.raw,
                                    command.envelope.user_id, replies)

    async def _act(self, action: CardAction) -> None:
        replies = await self._run(action)
        if replies and self.sender is not None:
            await asyncio.to_thread(self.sender.answer, {"conversationType": "1"},
                                    action.envelope.user_id, replies, action)
