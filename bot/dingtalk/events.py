"""DingTalk deliveries → neutral :class:`Command` / :class:`CardAction`.

A robot message (Stream topic ``/v1.0/im/bot/messages/get``, the same JSON the SDK's
``ChatbotMessage`` reads) becomes a Command; an interactive-card callback (topic
``/v1.0/card/instances/callback``: ``outTrackId``, ``userId`` and ``content`` with
``cardPrivateData.actionIds`` / ``params``) becomes a CardAction. The SDK's parsers are used
where they exist.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dingtalk_stream import CardCallbackMessage, ChatbotMessage

from bot.dingtalk.cards import slot_meaning
from bot.messages import CardAction, Command, Envelope
from bot.platform_support.refs import SentCard

PLATFORM = "dingtalk"


def parse_robot_message(data: Mapping[str, Any]) -> Command | None:
    """A text (or rich-text) message to the robot; other types, and a message whose fields
    are not of the types DingTalk sends, → None."""
    try:
        return _robot_message(ChatbotMessage.from_dict(dict(data)), data)
    except (KeyError, TypeError, AttributeError, ValueError):
        return None


def _robot_message(msg: ChatbotMessage, data: Mapping[str, Any]) -> Command | None:
    if msg.message_type == "text" and msg.text is not None:
        text = (msg.text.content or "").strip()
    elif msg.message_type == "richText" and msg.rich_text_content is not None:
        text = " ".join(str(t) for t in msg.get_text_list() or ()).strip()
    else:
        return None
    user = msg.sender_staff_id or msg.sender_id
    if not text or not user or not msg.message_id:
        return None
    # A person's private chat with the robot is their conversation, whichever way they
    # write or tap in it (a card callback names no chat): a question asked after a tap is
    # answered there. A group chat is its own conversation.
    direct = str(msg.conversation_type or "1") == "1"
    envelope = Envelope(
        platform=PLATFORM, tenant="", user_id=str(user),
        conversation_id=str(user) if direct else str(msg.conversation_id or user),
        event_id=f"msg:{msg.message_id}", is_direct=direct, raw=dict(data))
    return Command(envelope, text)


def card_delivery_id(message_id: str) -> str:
    """A card callback has no id of its own: the stream message carrying it has one, and a
    redelivery carries the same."""
    return f"card:{message_id}"


def out_track_id(data: Mapping[str, Any]) -> str:
    return str(data.get("outTrackId") or "")


def parse_card_callback(data: Mapping[str, Any], *, delivery_id: str,
                        sent: SentCard | None) -> CardAction | None:
    """The tapped button as a neutral action: slot ``btnN`` is translated through the sent
    card's stored slot meanings; any other action id is used as is. ``params`` (inputs of the
    template) become the action's form. A slot that needs a reason is marked so in
    ``message_ref`` (the pipeline then asks for it)."""
    normalized = {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                  for k, v in data.items()}
    try:
        msg = CardCallbackMessage.from_dict(normalized)
    except (ValueError, TypeError):
        return None
    if not isinstance(msg.content, dict):
        return None
    private = (msg.content or {}).get("cardPrivateData") or {}
    action_ids = private.get("actionIds") or []
    if not action_ids or not msg.user_id:
        return None
    raw_action = str(action_ids[0])
    params = {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
              for k, v in dict(private.get("params") or {}).items()}
    meaning = slot_meaning(raw_action, sent.buttons) if sent else None
    action_id, value = raw_action, {}
    ref: dict[str, Any] = {"platform": PLATFORM, "out_track_id": msg.card_instance_id,
                           "card_key": sent.card_key if sent else None}
    if meaning is not None:
        action_id = str(meaning["action_id"])
        value = {str(k): str(v) for k, v in dict(meaning.get("value") or {}).items()}
        if meaning.get("needs_reason"):
            ref.update(needs_reason=True, label=str(meaning.get("label") or ""),
                       prompt=meaning.get("prompt"))
    envelope = Envelope(platform=PLATFORM, tenant="", user_id=str(msg.user_id),
                        conversation_id=str(msg.user_id), event_id=delivery_id,
                        is_direct=True, raw=dict(data))
    return CardAction(envelope, action_id, value, form=params, message_ref=ref)
