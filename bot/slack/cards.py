"""Neutral replies, cards and forms as Block Kit (messages, modals, the App Home view).

A callback button carries what the router needs in its ``value`` (JSON: action id, value,
whether a reason is needed, label); Slack's own ``action_id`` only has to be unique within
the message (``cb:<index>``). Texts are cut to Block Kit's limits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.messages import Button, Card, Field, Form, Input, Reply, Section
from credit_domain.i18n import text_factory

_ = text_factory("bot")

BUTTON_PREFIX = "cb:"
LINK_PREFIX = "cb-link:"
SUGGEST_PREFIX = "suggest:"
REASON_CALLBACK = "creditbot_reason"
FORM_CALLBACK = "creditbot_form"
TONE_MARK = {"ok": "🟢", "warn": "🟠", "danger": "🔴", "info": ""}
MAX_FIELDS = 10  # per section block
MAX_BUTTONS = 25  # per actions block
MAX_BLOCKS = 50  # per message


def escape(text: str) -> str:
    """Plain text for a mrkdwn field (Slack's three control characters escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text or " ", limit), "emoji": True}


def _mrkdwn(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _cut(text or " ", limit)}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def encode_button(button: Button) -> str:
    value = json.dumps({"a": button.action_id, "v": dict(button.value),
                        "r": 1 if button.needs_reason else 0, "l": button.label[:75],
                        **({"p": button.prompt[:75]} if button.prompt else {})},
                       ensure_ascii=False, separators=(",", ":"))
    if len(value) > 2000:
        raise ValueError(f"button value of {button.action_id!r} exceeds Slack's 2000 characters")
    return value


def decode_button(value: str) -> Button:
    data = json.loads(value or "{}")
    return Button(str(data.get("l", "")), str(data.get("a", "")),
                  {str(k): str(v) for k, v in dict(data.get("v") or {}).items()},
                  needs_reason=bool(data.get("r")), prompt=data.get("p"))


def reply_message(reply: Reply, locale: str) -> dict[str, Any]:
    """``text`` (the notification fallback) and ``blocks`` of a message."""
    blocks: list[dict[str, Any]] = []
    if reply.text:
        blocks.append({"type": "section", "text": _mrkdwn(escape(reply.text))})
    if reply.card is not None:
        blocks += card_blocks(reply.card, locale)
    return {"text": _cut(reply.as_text() or " ", 3000), "blocks": blocks[:MAX_BLOCKS]}


def card_blocks(card: Card, locale: str) -> list[dict[str, Any]]:
    mark = TONE_MARK.get(card.tone, "")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(f"{mark} {card.title}".strip(), 150)}]
    if card.subtitle:
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(card.subtitle))]})
    blocks += _field_blocks(card.fields)
    for section in card.sections:
        blocks += section_blocks(section)
    if card.image is not None and card.image.url and card.image.url.startswith("http"):
        blocks.append({"type": "image", "image_url": card.image.url,
                       "alt_text": _cut(card.image.alt, 2000)})
    buttons = [_button(b, i, locale) for i, b in enumerate(card.buttons)]
    for start in range(0, len(buttons), MAX_BUTTONS):
        blocks.append({"type": "actions", "elements": buttons[start:start + MAX_BUTTONS]})
    if card.footer:
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(card.footer))]})
    return blocks


def section_blocks(section: Section) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    head = f"*{escape(section.title)}*" if section.title else ""
    body = escape(section.text) if section.text else ""
    if head or body:
        blocks.append({"type": "section", "text": _mrkdwn("\n".join(p for p in (head, body)
                                                                     if p))})
    return blocks + _field_blocks(section.fields)


def _field_blocks(fields: Sequence[Field]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    short = [f for f in fields if f.short]
    for start in range(0, len(short), MAX_FIELDS):
        blocks.append({"type": "section", "fields": [
            _mrkdwn(f"*{escape(f.label)}*\n{escape(f.value)}", 2000)
            for f in short[start:start + MAX_FIELDS]]})
    for f in fields:
        if not f.short:
            blocks.append({"type": "section",
                           "text": _mrkdwn(f"*{escape(f.label)}*\n{escape(f.value)}")})
    return blocks


def _button(b: Button, index: int, locale: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": _plain(b.label, 75)}
    if b.style in ("primary", "danger"):
        element["style"] = b.style
    if b.url:
        element.update(action_id=f"{LINK_PREFIX}{index}", url=b.url)
        return element
    element.update(action_id=f"{BUTTON_PREFIX}{index}", value=encode_button(b))
    if b.confirm and not b.needs_reason:  # the reason modal is confirmation enough
        element["confirm"] = {"title": _plain(b.label, 100), "text": _plain(b.confirm, 300),
                              "confirm": _plain(b.label, 30),
                              "deny": _plain(_("Cancel").render(locale), 30)}
    return element


def reason_modal(button: Button, metadata: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """The modal asking why (reject, return…); submitting it sends the button's action."""
    return {
        "type": "modal", "callback_id": REASON_CALLBACK,
        "title": _plain(button.label or _("Reason").render(locale), 24),
        "submit": _plain(_("Submit").render(locale), 24),
        "close": _plain(_("Cancel").render(locale), 24),
        "private_metadata": _metadata(metadata),
        "blocks": [{"type": "input", "block_id": "reason",
                    "label": _plain(button.prompt or _("Reason").render(locale), 2000),
                    "element": {"type": "plain_text_input", "action_id": "value",
                                "multiline": True, "min_length": 1, "max_length": 2000}}],
    }


def form_modal(form: Form, metadata: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """A neutral form as a modal; a ``customer`` input is a typeahead (external select)."""
    blocks: list[dict[str, Any]] = []
    if form.intro:
        blocks.append({"type": "section", "text": _mrkdwn(escape(form.intro))})
    blocks += [_input_block(i) for i in form.inputs]
    return {
        "type": "modal", "callback_id": FORM_CALLBACK, "title": _plain(form.title, 24),
        "submit": _plain(form.submit_label or _("Submit").render(locale), 24),
        "close": _plain(_("Cancel").render(locale), 24),
        "private_metadata": _metadata(metadata), "blocks": blocks,
    }


def _input_block(i: Input) -> dict[str, Any]:
    element: dict[str, Any]
    if i.kind == "select":
        element = {"type": "static_select", "action_id": "value", "options": [
            {"text": _plain(label, 75), "value": value} for value, label in i.options[:100]]}
    elif i.kind == "customer":
        element = {"type": "external_select", "action_id": f"{SUGGEST_PREFIX}{i.kind}",
                   "min_query_length": 1}
    elif i.kind == "date":
        element = {"type": "datepicker", "action_id": "value"}
        if i.initial:
            element["initial_date"] = i.initial
    else:
        element = {"type": "plain_text_input", "action_id": "value",
                   "multiline": i.kind == "multiline"}
        if i.initial:
            element["initial_value"] = i.initial
    if i.placeholder and i.kind != "date":
        element["placeholder"] = _plain(i.placeholder, 150)
    return {"type": "input", "block_id": i.name, "label": _plain(i.label, 2000),
            "optional": not i.required, "element": element}


def form_values(view: Mapping[str, Any]) -> dict[str, str]:
    """The answers of a submitted modal, by input name."""
    answers: dict[str, str] = {}
    for block_id, elements in dict(view.get("state", {}).get("values", {})).items():
        for element in elements.values():
            kind = element.get("type")
            if kind in ("static_select", "external_select"):
                picked = element.get("selected_option") or {}
                answers[block_id] = str(picked.get("value", ""))
            elif kind == "datepicker":
                answers[block_id] = str(element.get("selected_date") or "")
            else:
                answers[block_id] = str(element.get("value") or "")
    return answers


def home_view(sections: Sequence[Section]) -> dict[str, Any]:
    """The App Home tab."""
    blocks: list[dict[str, Any]] = []
    for section in sections:
        if blocks:
            blocks.append({"type": "divider"})
        if section.title:
            blocks.append({"type": "header", "text": _plain(section.title, 150)})
        if section.text:
            blocks.append({"type": "section", "text": _mrkdwn(escape(section.text))})
        blocks += _field_blocks(section.fields)
    return {"type": "home", "blocks": blocks[:100]}


def _metadata(data: Mapping[str, Any]) -> str:
    text = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
    if len(text) > 3000:
        raise ValueError("modal metadata exceeds Slack's 3000 characters")
    return text
