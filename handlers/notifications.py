"""The generic notification renderer: any outbox kind without a renderer of its own becomes a
card from the standard payload keys (see ``credit_domain/outbox/models.py``), in the reader's
language, so an alert of a new kind needs no chat code:

- ``title`` (Text JSON), ``tone`` (info | ok | warn | danger), ``lines`` (Text JSON list),
  ``fields`` (``{"label": Text JSON, "value": Text JSON or string}`` list), ``link`` (a path of
  creditbot's web UI, shown as a button), ``card_key`` (optional: the card it replaces).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

from bot.messages import Button, Card, Field, Reply, Section, Tone
from credit_domain.i18n import Text, text_factory
from handlers.router import RenderContext, router

_ = text_factory("handlers")
log = logging.getLogger(__name__)
TONES = ("info", "ok", "warn", "danger")


def render_text(value: Any, rc: RenderContext) -> str:
    """A payload value as text for the reader: Text JSON is translated, anything else is
    shown as it is."""
    if isinstance(value, Mapping) and "msgid" in value:
        try:
            return rc.t(Text.from_json(value))
        except (KeyError, TypeError, ValueError):
            log.warning("unreadable text in a notification payload: %r", value)
            return str(value.get("msgid"))
    if value is None:
        return ""
    return str(value)


def render_generic(kind: str, payload: Mapping[str, Any], rc: RenderContext) -> Reply:
    """The card of a notification from its standard keys (``kind`` when it has no title)."""
    title = render_text(payload.get("title"), rc) or kind
    tone = payload.get("tone") if payload.get("tone") in TONES else "info"
    lines = [render_text(line, rc) for line in _list(payload.get("lines"))]
    fields = tuple(
        Field(render_text(f.get("label"), rc), render_text(f.get("value"), rc))
        for f in _list(payload.get("fields")) if isinstance(f, Mapping))
    link = payload.get("link")
    buttons = (Button(rc.t(_("Open in creditbot")), url=rc.link(str(link))),) if link else ()
    text = "\n".join(line for line in lines if line)
    return Reply(card=Card(
        title=title, fields=fields, sections=(Section(text=text),) if text else (),
        buttons=buttons, tone=cast(Tone, tone),
        key=str(payload["card_key"]) if payload.get("card_key") else None))


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


router.generic_renderer = render_generic
