"""WeCom and DingTalk joined to the conversation layer, by their adapters' runtime hooks.

- Inbound: :func:`connect` installs the process's :class:`~bot.pipeline.Conversations` as the
  adapters' inbound handler (in a worker thread: it talks to the database). Each event is
  handled with its platform's capabilities, so people who chose no language are answered in
  Chinese, and the pipeline's idempotency (event ids) and double-tap window apply.
- Outbound: :class:`SenderOutlet` makes a platform sender an :class:`~bot.delivery.Outlet` of
  the chat notifier: outbox notifications reach a person through their WeCom / DingTalk
  identity, and named channels reach the group configured for them (``WECOM_CHANNELS``,
  ``DINGTALK_CHANNELS``). A notification that replaces a card (``replace_original`` with a
  card ``key``) updates every copy of that card the recipient was sent on the platform.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot.bootstrap import Runtime
from bot.delivery import Target, conversations, outlets
from bot.messages import Capabilities, Card, Reply
from bot.platform_support.inbound import (
    HANDLER_KEY,
    InboundEvent,
    from_sync,
    set_inbound_handler,
)
from bot.platform_support.senders import PlatformSender, platform_senders
from credit_domain.orgs.models import PlatformIdentity

# A platform whose API is not configured can still be written to by its callback (WeCom's
# passive reply): plain text, in Chinese unless the person chose otherwise.
TEXT_ONLY = Capabilities(markdown=False, default_locale="zh_CN")
# What identifies a sent message in a sender's answer, most specific first.
MESSAGE_REF_KEYS = ("task_id", "out_track_id", "msgid", "process_query_key", "chat_id",
                    "conversation")


def capabilities_for(runtime: Runtime, platform: str) -> Capabilities:
    """What ``platform`` can show, from its sender (text only without one)."""
    sender = platform_senders(runtime).get(platform)
    return sender.capabilities if sender is not None else TEXT_ONLY


def connect(runtime: Runtime) -> None:
    """Make the conversation pipeline the inbound handler of every platform adapter (once
    per runtime; a handler installed before is kept)."""
    if HANDLER_KEY in runtime.extras:
        return
    pipeline = conversations(runtime)

    def handle(event: InboundEvent) -> Sequence[Reply]:
        return pipeline.handle(event, capabilities_for(runtime, event.envelope.platform))

    set_inbound_handler(runtime, from_sync(handle))


def add_outlet(runtime: Runtime, sender: PlatformSender, channels: Mapping[str, str]) -> None:
    """Register ``sender`` with the chat notifier, ``channels`` naming its group chats."""
    outlets(runtime)[sender.platform.value] = SenderOutlet(sender, channels)


class SenderOutlet:
    """A :class:`PlatformSender` as the notifier's :class:`~bot.delivery.Outlet` (blocking;
    failures raise ``DeliveryFailed``)."""

    def __init__(self, sender: PlatformSender, channels: Mapping[str, str]) -> None:
        self.sender = sender
        self.platform = sender.platform.value
        self.capabilities = sender.capabilities
        self.channels = dict(channels)

    def person_conversation(self, identity: PlatformIdentity) -> str | None:
        return identity.external_id or None

    def channel_conversation(self, channel: str) -> str | None:
        """The group configured for ``channel``, else the one configured for ``*``."""
        return self.channels.get(channel) or self.channels.get("*")

    def post(self, target: Target, reply: Reply) -> str:
        card = reply.card
        if reply.replace_original and card is not None and card.key:
            updated = self._update(target, card)
            if updated is not None:
                return updated
        if target.channel is not None:
            sent = self.sender.send_channel(target.conversation_id, reply,
                                            outbox_id=target.outbox_id)
        else:
            sent = self.sender.send_direct(target.conversation_id, reply,
                                           person_id=target.person_id,
                                           outbox_id=target.outbox_id)
        return message_ref(sent)

    def update(self, target: Target, message_id: str, reply: Reply) -> None:
        card = reply.card
        if card is None or not card.key or self._update(target, card) is None:
            self.post(target, replace(reply, replace_original=False))

    def _update(self, target: Target, card: Card) -> str | None:
        """Update the recipient's copies of ``card.key``; the newest copy's handle, or None
        when the recipient has none (then the card is posted)."""
        assert card.key is not None
        if not self.sender.sent.copies(card.key, target.conversation_id):
            return None
        self.sender.update_card(card, recipient=target.conversation_id)
        return self.sender.sent.copies(card.key, target.conversation_id)[-1].handle


def message_ref(sent: Mapping[str, Any]) -> str:
    """The platform's id of a sent message, from a sender's answer."""
    for key in MESSAGE_REF_KEYS:
        if sent.get(key):
            return str(sent[key])
    return "webhook" if sent.get("webhook") else ""
