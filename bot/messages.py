"""The neutral message model shared by every platform adapter and every handler.

Inbound: an :class:`Envelope` (who, where, which delivery) around a :class:`Command` (a text
message) or a :class:`CardAction` (a tapped button or a submitted form). Outbound: a
:class:`Reply` with text and/or a :class:`Card`. Handlers build cards already localised for
their reader; each adapter renders them natively (Block Kit, WeCom template cards, DingTalk
interactive cards, the emulator's HTML) or falls back to :meth:`Card.as_text`.

This module is a leaf: it imports nothing from ``bot``, ``handlers`` or any SDK, so handlers
may use it without depending on adapters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Style = Literal["primary", "danger", "default"]
Tone = Literal["info", "ok", "warn", "danger"]
InputKind = Literal["text", "multiline", "select", "customer", "amount", "date"]


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do with outbound messages."""

    update_in_place: bool = False  # a sent card can be edited after a decision
    buttons_call_back: bool = False  # a tapped button reaches creditbot
    forms: bool = False  # modals / input forms
    images: bool = False  # inline images in cards
    markdown: bool = True
    default_locale: str = "en"  # for people who have not chosen a language


@dataclass(frozen=True)
class Envelope:
    """Where an inbound event came from and how to answer it."""

    platform: str  # slack | wecom | dingtalk | emulator | cli | test
    tenant: str  # Slack team id, WeCom/DingTalk corp id; "" when single-tenant
    user_id: str  # the platform's user id
    conversation_id: str  # channel / chat to answer in
    event_id: str  # for idempotency: a retried delivery carries the same id
    person_id: int | None = None  # resolved from the platform identity; None: not enrolled
    locale: str | None = None  # the person's language, else the platform's default
    retry_count: int = 0
    is_direct: bool = True
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Command:
    """A text message addressed to the bot, e.g. ``apply 华为技术 20万 60天 新项目备货``."""

    envelope: Envelope
    text: str
    # Run this command with the whole text when it starts with no known command (Slack's
    # ``/credit 华为`` means ``credit 华为``).
    default_command: str | None = None


@dataclass(frozen=True)
class CardAction:
    """A button tapped or a form submitted on a card."""

    envelope: Envelope
    action_id: str  # stable id registered on the router, e.g. "approve"
    value: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)  # modal / input values
    message_ref: Mapping[str, Any] | None = None  # what identifies the card, for updates


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    short: bool = True  # two per row where the platform can


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str = ""
    value: Mapping[str, str] = field(default_factory=dict)
    style: Style = "default"
    url: str | None = None  # a link button instead of a callback
    confirm: str | None = None  # ask "are you sure?" first where the platform can
    needs_reason: bool = False  # the adapter asks for a reason (modal/form) before sending
    prompt: str | None = None  # what that text is called, when not a reason ("Comment")


@dataclass(frozen=True)
class Section:
    title: str | None = None
    text: str | None = None
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Image:
    alt: str
    url: str | None = None  # served by creditbot, e.g. /charts/aging/…png
    png: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Card:
    """A structured message. ``key`` identifies what the card shows (e.g. ``application:42``)
    so a later update replaces it where the platform allows."""

    title: str
    subtitle: str | None = None
    fields: tuple[Field, ...] = ()
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    image: Image | None = None
    footer: str | None = None
    tone: Tone = "info"
    key: str | None = None

    def as_text(self) -> str:
        """Plain-text rendering for terminals and platforms without cards."""
        lines = [self.title]
        if self.subtitle:
            lines.append(self.subtitle)
        lines += [f"{f.label}: {f.value}" for f in self.fields]
        for s in self.sections:
            lines.append("")
            if s.title:
                lines.append(f"【{s.title}】")
            if s.text:
                lines.append(s.text)
            lines += [f"{f.label}: {f.value}" for f in s.fields]
        if self.image is not None:
            lines.append(f"[{self.image.alt}]" + (f" {self.image.url}" if self.image.url else ""))
        if self.buttons:
            lines.append("")
            lines.append(" | ".join(f"[{b.label}]" + (f" {b.url}" if b.url else "")
                                    for b in self.buttons))
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)


@dataclass(frozen=True)
class Input:
    """One question of a :class:`Form`. ``customer`` inputs offer typeahead suggestions from
    the router's ``customer`` suggestion source where the platform can."""

    name: str
    label: str
    kind: InputKind = "text"
    required: bool = True
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for ``select``
    placeholder: str | None = None
    initial: str | None = None


@dataclass(frozen=True)
class Form:
    """Questions asked together (a Slack modal, an inline form in the emulator) or one after
    the other on text-only platforms. Submitting it sends ``CardAction(action_id, value,
    form={input name: answer})``."""

    title: str
    action_id: str
    inputs: tuple[Input, ...]
    value: Mapping[str, str] = field(default_factory=dict)
    submit_label: str | None = None
    intro: str | None = None


@dataclass(frozen=True)
class Reply:
    """What a handler answers: text, a card, a form, or text with either; ``ephemeral`` where
    the platform can show it only to the asker."""

    text: str | None = None
    card: Card | None = None
    ephemeral: bool = False
    replace_original: bool = False  # for card actions: update the tapped card in place
    form: Form | None = None

    def as_text(self) -> str:
        parts = [p for p in (self.text, self.card.as_text() if self.card else None) if p]
        return "\n\n".join(parts)


# -- JSON form (stored cards of the emulator, sent-card records, conversation state) -------------
def card_to_json(card: Card) -> dict[str, Any]:
    """A JSON-compatible dict of ``card`` (PNG images are left out: they are not stored)."""
    return {
        "title": card.title, "subtitle": card.subtitle, "tone": card.tone, "key": card.key,
        "footer": card.footer, "fields": [_field_json(f) for f in card.fields],
        "sections": [{"title": s.title, "text": s.text,
                      "fields": [_field_json(f) for f in s.fields]} for s in card.sections],
        "buttons": [button_to_json(b) for b in card.buttons],
        "image": ({"alt": card.image.alt, "url": card.image.url}
                  if card.image is not None else None),
    }


def card_from_json(data: Mapping[str, Any]) -> Card:
    image = data.get("image")
    return Card(
        title=str(data["title"]), subtitle=data.get("subtitle"), tone=data.get("tone", "info"),
        key=data.get("key"), footer=data.get("footer"),
        fields=tuple(_field_from(f) for f in data.get("fields", ())),
        sections=tuple(Section(s.get("title"), s.get("text"),
                               tuple(_field_from(f) for f in s.get("fields", ())))
                       for s in data.get("sections", ())),
        buttons=tuple(button_from_json(b) for b in data.get("buttons", ())),
        image=Image(str(image["alt"]), image.get("url")) if image else None,
    )


def button_to_json(b: Button) -> dict[str, Any]:
    return {"label": b.label, "action_id": b.action_id, "value": dict(b.value),
            "style": b.style, "url": b.url, "confirm": b.confirm,
            "needs_reason": b.needs_reason, "prompt": b.prompt}


def button_from_json(b: Mapping[str, Any]) -> Button:
    return Button(str(b["label"]), str(b.get("action_id", "")),
                  {str(k): str(v) for k, v in dict(b.get("value") or {}).items()},
                  b.get("style", "default"), b.get("url"), b.get("confirm"),
                  bool(b.get("needs_reason", False)), b.get("prompt"))


def form_to_json(form: Form) -> dict[str, Any]:
    return {"title": form.title, "action_id": form.action_id, "value": dict(form.value),
            "submit_label": form.submit_label, "intro": form.intro,
            "inputs": [{"name": i.name, "label": i.label, "kind": i.kind,
                        "required": i.required, "options": [list(o) for o in i.options],
                        "placeholder": i.placeholder, "initial": i.initial}
                       for i in form.inputs]}


def form_from_json(data: Mapping[str, Any]) -> Form:
    return Form(
        title=str(data["title"]), action_id=str(data["action_id"]),
        value={str(k): str(v) for k, v in dict(data.get("value") or {}).items()},
        submit_label=data.get("submit_label"), intro=data.get("intro"),
        inputs=tuple(Input(str(i["name"]), str(i["label"]), i.get("kind", "text"),
                           bool(i.get("required", True)),
                           tuple((str(v), str(lbl)) for v, lbl in i.get("options", ())),
                           i.get("placeholder"), i.get("initial"))
                     for i in data.get("inputs", ())),
    )


def _field_json(f: Field) -> dict[str, Any]:
    return {"label": f.label, "value": f.value, "short": f.short}


def _field_from(f: Mapping[str, Any]) -> Field:
    return Field(str(f["label"]), str(f["value"]), bool(f.get("short", True)))
