"""Neutral cards, forms and texts as HTML fragments for the emulator page. Everything from a
card is escaped; buttons carry only their index (the server looks the action up)."""

from __future__ import annotations

from markupsafe import Markup, escape

from bot.messages import Button, Card, Field, Form, Input

TONE_CLASS = {"info": "tone-info", "ok": "tone-ok", "warn": "tone-warn", "danger": "tone-danger"}


def text_html(text: str) -> Markup:
    """Plain text with its line breaks kept."""
    return Markup("<br>").join(escape(line) for line in text.split("\n"))


def card_html(card: Card, message_id: int, labels: dict[str, str]) -> Markup:
    """A card with its fields, sections, image and buttons."""
    parts = [Markup('<div class="cb-card {}">').format(TONE_CLASS.get(card.tone, "tone-info")),
             Markup('<div class="cb-title">{}</div>').format(card.title)]
    if card.subtitle:
        parts.append(Markup('<div class="cb-subtitle">{}</div>').format(card.subtitle))
    parts.append(_fields(card.fields))
    for section in card.sections:
        parts.append(Markup('<div class="cb-section">'))
        if section.title:
            parts.append(Markup('<div class="cb-section-title">{}</div>').format(section.title))
        if section.text:
            parts.append(Markup('<div class="cb-text">{}</div>').format(text_html(section.text)))
        parts.append(_fields(section.fields))
        parts.append(Markup("</div>"))
    if card.image is not None and card.image.url:
        parts.append(Markup('<img class="cb-image" src="{}" alt="{}">').format(
            card.image.url, card.image.alt))
    if card.buttons:
        parts.append(Markup('<div class="cb-buttons">'))
        parts += [_button(b, i, message_id, labels) for i, b in enumerate(card.buttons)]
        parts.append(Markup("</div>"))
    if card.footer:
        parts.append(Markup('<div class="cb-footer">{}</div>').format(card.footer))
    parts.append(Markup("</div>"))
    return Markup("").join(parts)


def _fields(fields: tuple[Field, ...]) -> Markup:
    if not fields:
        return Markup("")
    items = [Markup('<div class="cb-field{}"><span class="cb-label">{}</span>'
                    '<span class="cb-value">{}</span></div>').format(
        "" if f.short else " wide", f.label, text_html(f.value)) for f in fields]
    return Markup('<div class="cb-fields">{}</div>').format(Markup("").join(items))


def _button(b: Button, index: int, message_id: int, labels: dict[str, str]) -> Markup:
    style = f"cb-btn {b.style}"
    if b.url:
        return Markup('<a class="{}" href="{}" target="_blank" rel="noopener">{}</a>').format(
            style, b.url, b.label)
    return Markup(
        '<button type="button" class="{}" data-message="{}" data-index="{}" '
        'data-needs-reason="{}" data-confirm="{}" data-reason-label="{}">{}</button>'
    ).format(style, message_id, index, "1" if b.needs_reason else "", b.confirm or "",
             b.prompt or labels.get("reason", "Reason"), b.label)


def form_html(form: Form, message_id: int, labels: dict[str, str]) -> Markup:
    """A form the person fills in inside the chat (a modal on Slack)."""
    parts = [Markup('<form class="cb-form" data-message="{}">').format(message_id),
             Markup('<div class="cb-title">{}</div>').format(form.title)]
    if form.intro:
        parts.append(Markup('<div class="cb-text">{}</div>').format(text_html(form.intro)))
    parts += [_input(i) for i in form.inputs]
    parts.append(Markup('<button type="submit" class="cb-btn primary">{}</button>').format(
        form.submit_label or labels.get("submit", "Submit")))
    parts.append(Markup("</form>"))
    return Markup("").join(parts)


def _input(i: Input) -> Markup:
    required = Markup(" required") if i.required else Markup("")
    label = Markup('<label class="cb-input"><span>{}</span>').format(i.label)
    if i.kind == "multiline":
        field = Markup('<textarea name="{}" placeholder="{}"{}>{}</textarea>').format(
            i.name, i.placeholder or "", required, i.initial or "")
    elif i.kind == "select":
        options = Markup("").join(
            Markup('<option value="{}"{}>{}</option>').format(
                v, Markup(" selected") if v == i.initial else Markup(""), lbl)
            for v, lbl in i.options)
        field = Markup('<select name="{}"{}>{}</select>').format(i.name, required, options)
    else:
        kind = {"date": "date"}.get(i.kind, "text")
        suggest = Markup(' data-suggest="{}" list="dl-{}" autocomplete="off"').format(
            i.kind, i.name) if i.kind == "customer" else Markup("")
        field = Markup('<input type="{}" name="{}" placeholder="{}" value="{}"{}{}>').format(
            kind, i.name, i.placeholder or "", i.initial or "", required, suggest)
        if i.kind == "customer":
            field += Markup('<datalist id="dl-{}"></datalist>').format(i.name)
    return label + field + Markup("</label>")
