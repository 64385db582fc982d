"""Neutral replies → WeCom message bodies.

A card whose buttons call back becomes a ``button_interaction`` template card; any other
card becomes Markdown; plain text stays text. Passive replies to a card click (the callback
window) are XML.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from bot.messages import Button, Card, Reply, Style, Tone
from bot.platform_support.markdown import reply_markdown, truncate_bytes
from bot.wecom.events import encode_button_key

TEXT_LIMIT = 2048  # bytes of a text or markdown message
MAX_FIELDS = 6  # horizontal_content_list
MAX_BUTTONS = 6
SOURCE = "creditbot"
# WeCom documents button styles 1-4; 1 is the blue call to action, 2 red, 3 plain.
BUTTON_STYLE: Mapping[Style, int] = {"primary": 1, "danger": 2, "default": 3}
# source.desc_color: 0 grey, 1 black, 2 red, 3 green
TONE_COLOR: Mapping[Tone, int] = {"info": 0, "ok": 3, "warn": 2, "danger": 2}


def callback_buttons(card: Card | None) -> list[Button]:
    return [b for b in (card.buttons if card else ()) if not b.url and b.action_id]


def wants_template_card(reply: Reply) -> bool:
    return bool(callback_buttons(reply.card))


def _body_text(card: Card, skipped_fields: list[str]) -> str:
    parts: list[str] = []
    for section in card.sections:
        if section.title:
            parts.append(f"【{section.title}】")
        if section.text:
            parts.append(section.text)
        parts += [f"{f.label}: {f.value}" for f in section.fields]
    parts += skipped_fields
    if card.footer:
        parts.append(card.footer)
    return "\n".join(parts)


def template_card(card: Card, task_id: str, *, text: str | None = None,
                  decided: str | None = None) -> dict[str, Any]:
    """The ``template_card`` object. ``decided``: the buttons give way to this grey,
    untappable text (a card after its decision)."""
    fields = list(card.fields)
    shown, rest = fields[:MAX_FIELDS], fields[MAX_FIELDS:]
    body = _body_text(card, [f"{f.label}: {f.value}" for f in rest])
    if text:
        body = f"{text}\n{body}" if body else text
    tc: dict[str, Any] = {
        "card_type": "button_interaction",
        "source": {"desc": SOURCE, "desc_color": TONE_COLOR[card.tone]},
        "main_title": {"title": card.title, **({"desc": card.subtitle} if card.subtitle else {})},
        "task_id": task_id,
        "horizontal_content_list": [{"keyname": f.label, "value": f.value} for f in shown],
    }
    if body:
        tc["sub_title_text"] = truncate_bytes(body, 1000)
    buttons = [b for b in card.buttons if b.url or b.action_id][:MAX_BUTTONS]
    tc["button_list"] = [_button(b) for b in buttons]
    if decided is not None:
        tc["replace_text"] = decided
    return tc


def _button(b: Button) -> dict[str, Any]:
    if b.url:
        return {"type": 1, "text": b.label, "style": BUTTON_STYLE[b.style], "url": b.url}
    return {"text": b.label, "style": BUTTON_STYLE[b.style],
            "key": encode_button_key(b.action_id, b.value)}


def button_meanings(card: Card) -> list[dict[str, Any]]:
    """What each callback button stands for, stored with the sent card."""
    return [{"action_id": b.action_id, "value": dict(b.value), "label": b.label,
             "needs_reason": b.needs_reason, "prompt": b.prompt}
            for b in callback_buttons(card)]


def meaning_of(action_id: str, value: Mapping[str, str],
               meanings: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The stored meaning of the tapped button (its key carries action id and value)."""
    for meaning in meanings:
        if meaning.get("action_id") == action_id and dict(meaning.get("value") or {}) == dict(
                value):
            return meaning
    return None


def decision_text(card: Card, tapped_key: str | None) -> str:
    """The short text that replaces a card's buttons once answered: the same card decided
    shows its subtitle (e.g. "已批准 · 王芳"), else its title; a different card taking the
    tapped one's place (``tapped_key``, e.g. a choice answered by the chosen customer's card)
    shows its title."""
    same = card.key == tapped_key
    return ((card.subtitle if same else None) or card.title)[:24]


def markdown_message(reply: Reply) -> dict[str, Any]:
    return {"msgtype": "markdown",
            "markdown": {"content": truncate_bytes(reply_markdown(reply), TEXT_LIMIT)}}


def text_message(reply: Reply) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": truncate_bytes(reply.as_text(), TEXT_LIMIT)}}


def message_body(reply: Reply, task_id: str | None) -> dict[str, Any]:
    """The ``msgtype`` part of an app message for ``reply``."""
    if task_id is not None and reply.card is not None and wants_template_card(reply):
        return {"msgtype": "template_card",
                "template_card": template_card(reply.card, task_id, text=reply.text)}
    if reply.card is not None:
        return markdown_message(reply)
    return text_message(reply)


def passive_update_button(to_user: str, corp_id: str, replace_name: str,
                          now: float | None = None) -> str:
    """The passive reply that greys out the tapped button with ``replace_name`` (only the
    tapping user's card; only within the callback's five seconds)."""
    created = int(now if now is not None else time.time())
    return (f"<xml><ToUserName><![CDATA[{_cdata(to_user)}]]></ToUserName>"
            f"<FromUserName><![CDATA[{_cdata(corp_id)}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime>"
            "<MsgType><![CDATA[update_button]]></MsgType>"
            f"<Button><ReplaceName><![CDATA[{_cdata(replace_name)}]]></ReplaceName></Button>"
            "</xml>")


def _cdata(value: str) -> str:
    return value.replace("]]>", "]]]]><![CDATA[>")
