"""Decrypted WeCom callbacks → neutral :class:`Command` / :class:`CardAction`.

wechatpy has no template-card events, so ``template_card_event`` is read from its raw
fields: ``EventKey`` (the tapped button's key, which creditbot encodes as
``<action_id>?<url-encoded value>``), ``TaskId`` (the card), ``ResponseCode`` (single use,
to update that card later) and ``CardType``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from bot.messages import CardAction, Command, Envelope

PLATFORM = "wecom"
KEY_LIMIT = 1024  # bytes of a button key (WeCom's limit)


def encode_button_key(action_id: str, value: Mapping[str, str]) -> str:
    """The ``key`` of a template-card button; comes back as ``EventKey`` when tapped."""
    key = action_id + ("?" + urlencode(sorted(value.items())) if value else "")
    if len(key.encode("utf-8")) > KEY_LIMIT or not action_id or "?" in action_id:
        raise ValueError(f"button {action_id!r} cannot be encoded in a WeCom key")
    return key


def decode_button_key(key: str) -> tuple[str, dict[str, str]]:
    action_id, _, query = key.partition("?")
    return action_id, dict(parse_qsl(query, keep_blank_values=True))


def _text(message: Mapping[str, Any], name: str) -> str:
    value = message.get(name)
    return "" if value is None else str(value).strip()


def delivery_id(message: Mapping[str, Any]) -> str:
    """What identifies a delivery across WeCom's retries: the MsgId of a message, else the
    sender and creation time (plus the event and its key, for events)."""
    msg_id = _text(message, "MsgId")
    if msg_id:
        return f"msg:{msg_id}"
    parts = [_text(message, "FromUserName"), _text(message, "CreateTime"),
             _text(message, "Event"), _text(message, "TaskId"), _text(message, "EventKey")]
    return "evt:" + ":".join(parts)


def parse(message: Mapping[str, Any], *, agent_id: int | None) -> Command | CardAction | None:
    """A text message → Command; a template-card button → CardAction; anything else (other
    message types, other events, another app's messages) → None."""
    if agent_id is not None and _text(message, "AgentID") not in ("", str(agent_id)):
        return None
    sender = _text(message, "FromUserName")
    if not sender:
        return None
    envelope = Envelope(platform=PLATFORM, tenant="", user_id=sender, conversation_id=sender,
                        event_id=delivery_id(message), is_direct=True, raw=dict(message))
    kind = _text(message, "MsgType").lower()
    if kind == "text":
        text = _text(message, "Content")
        return Command(envelope, text) if text else None
    if kind == "event" and _text(message, "Event").lower() == "template_card_event":
        key = _text(message, "EventKey")
        if not key:
            return None
        action_id, value = decode_button_key(key)
        ref = {"platform": PLATFORM, "task_id": _text(message, "TaskId"),
               "response_code": _text(message, "ResponseCode"),
               "card_type": _text(message, "CardType"), "user_id": sender}
        return CardAction(envelope, action_id, value, message_ref=ref)
    return None
