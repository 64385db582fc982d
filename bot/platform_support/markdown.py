"""Neutral cards as Markdown, in the subset WeCom and DingTalk both render (headings, bold,
quotes, links), and byte-safe truncation to the platforms' message limits."""

from __future__ import annotations

from bot.messages import Button, Card, Field, Reply

ELLIPSIS = "…"


def truncate_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, on a character boundary, marked with an
    ellipsis when cut."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode("utf-8"))
    return raw[:max(room, 0)].decode("utf-8", errors="ignore") + ELLIPSIS


def _fields(fields: tuple[Field, ...]) -> list[str]:
    return [f"**{f.label}**: {f.value}" for f in fields]


def body_lines(card: Card) -> list[str]:
    """The card's fields, sections and image as Markdown lines (no title, buttons, footer)."""
    lines = _fields(card.fields)
    for section in card.sections:
        if section.title:
            lines.append(f"**{section.title}**")
        if section.text:
            lines.append(section.text)
        lines += _fields(section.fields)
    if card.image is not None:
        lines.append(f"[{card.image.alt}]({card.image.url})" if card.image.url
                     else card.image.alt)
    return lines


def button_line(buttons: tuple[Button, ...] | list[Button]) -> str | None:
    """Links for link buttons, 【labels】 for the others (where they cannot be tapped)."""
    links = [f"[{b.label}]({b.url})" for b in buttons if b.url]
    actions = [f"【{b.label}】" for b in buttons if not b.url]
    return " ".join(links + actions) or None


def card_markdown(card: Card, *, paragraph: str = "\n") -> str:
    """The card as Markdown. ``paragraph`` separates lines (DingTalk needs a blank line, or
    two trailing spaces, to break one)."""
    lines = [f"### {card.title}"]
    if card.subtitle:
        lines.append(f"> {card.subtitle}")
    lines += body_lines(card)
    buttons = button_line(card.buttons)
    if buttons:
        lines.append(buttons)
    if card.footer:
        lines.append(card.footer)
    return paragraph.join(lines)


def reply_markdown(reply: Reply, *, paragraph: str = "\n") -> str:
    parts = [p for p in (reply.text, card_markdown(reply.card, paragraph=paragraph)
                         if reply.card else None) if p]
    return (paragraph * 2).join(parts)
