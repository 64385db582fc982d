"""Neutral cards → DingTalk interactive-card data and Markdown.

Interactive cards use one card template that the deployment creates once in DingTalk's card
platform (README, "DingTalk setup"); creditbot fills its variables:

``title``, ``subtitle``, ``markdown`` (fields and sections), ``footer``, ``tone``
(info/ok/warn/danger), ``status`` (empty until decided, then e.g. "Approved by 王芳"), and four
button slots ``btn1_text`` … ``btn4_text`` with ``btn1_visible`` … ``btn4_visible``
("true"/"false"). Slot N's callback action id is ``btnN``; what a slot means (the neutral
action id and value) is stored with the sent card, so the template stays generic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.messages import Button, Card, Reply
from bot.platform_support.markdown import (
    body_lines,
    button_line,
    reply_markdown,
    truncate_bytes,
)

SLOTS = 4
SLOT_ACTION = re.compile(r"^btn([1-9])$")
MARKDOWN_LIMIT = 5000  # bytes, robot markdown messages


def callback_buttons(card: Card | None) -> list[Button]:
    return [b for b in (card.buttons if card else ()) if not b.url and b.action_id]


def _body(card: Card, hidden: list[Button]) -> str:
    lines = body_lines(card)
    extra = button_line([b for b in card.buttons if b.url] + hidden)
    if extra:
        lines.append(extra)
    return "\n\n".join(lines)


def card_params(card: Card, *, decided: str | None = None) -> dict[str, str]:
    """The ``cardParamMap`` for ``card``: every value a string, as DingTalk requires.
    ``decided`` hides the buttons and shows this status instead."""
    buttons = callback_buttons(card)
    shown, hidden = buttons[:SLOTS], buttons[SLOTS:]
    params = {"title": card.title, "subtitle": card.subtitle or "",
              "markdown": _body(card, hidden), "footer": card.footer or "", "tone": card.tone,
              "status": decided or ""}
    for n in range(1, SLOTS + 1):
        button = shown[n - 1] if n <= len(shown) and decided is None else None
        params[f"btn{n}_text"] = button.label if button else ""
        params[f"btn{n}_visible"] = "true" if button else "false"
    return params


def slot_meanings(card: Card) -> list[dict[str, Any]]:
    """What slots btn1… stand for, stored with the sent card."""
    return [{"action_id": b.action_id, "value": dict(b.value), "label": b.label,
             "needs_reason": b.needs_reason, "prompt": b.prompt}
            for b in callback_buttons(card)[:SLOTS]]


def decision_text(card: Card, tapped_key: str | None) -> str:
    """The ``status`` of a card once answered: the same card decided shows its subtitle
    (e.g. "已批准 · 王芳"), else its title; a different card taking the tapped one's place
    (a choice answered by the chosen customer's card) needs none."""
    if card.key != tapped_key:
        return ""
    return card.subtitle or card.title


def slot_meaning(action_id: str, slots: tuple[Mapping[str, Any], ...]
                 ) -> Mapping[str, Any] | None:
    """``btn2`` → what slot 2 of the card stands for (``action_id``, ``value``, ``label``,
    ``needs_reason``), if the card has one."""
    match = SLOT_ACTION.match(action_id)
    if not match:
        return None
    n = int(match.group(1))
    return slots[n - 1] if n <= len(slots) else None


def markdown_param(reply: Reply) -> dict[str, str]:
    """``msgParam`` of a ``sampleMarkdown`` robot message."""
    title = reply.card.title if reply.card else (reply.text or "creditbot")[:40]
    return {"title": title,
            "text": truncate_bytes(reply_markdown(reply, paragraph="\n\n"), MARKDOWN_LIMIT)}


def webhook_body(reply: Reply) -> dict[str, Any]:
    """A robot webhook (group robot or session webhook) message."""
    if reply.card is None:
        return {"msgtype": "text",
                "text": {"content": truncate_bytes(reply.as_text(), MARKDOWN_LIMIT)}}
    return {"msgtype": "markdown", "markdown": markdown_param(reply)}
