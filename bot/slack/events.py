"""Slack payloads as neutral events, and where to answer them.

Event ids for idempotency: the Events API's ``event_id`` (a retried delivery carries the same
one), the ``trigger_id`` of a slash command or a tapped button (unique per invocation), the
view id of a submitted modal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.messages import CardAction, Command, Envelope

MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
LINK = re.compile(r"<(?:mailto:)?([^>|]+)(?:\|([^>]*))?>")


@dataclass(frozen=True)
class Where:
    """Where and how to answer a Slack interaction."""

    team: str
    user: str
    channel: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None
    message_ts: str | None = None  # the tapped message, for in-place updates
    ephemeral: bool = False  # the tapped message is ephemeral (update through response_url)
    slash: bool = False

    @property
    def direct(self) -> bool:
        return bool(self.channel and self.channel.startswith("D"))


def plain_text(text: str) -> str:
    """A message's text as typed: mentions removed, links shown as their label, Slack's
    escaping undone."""
    text = MENTION.sub(" ", text or "")
    text = LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return html.unescape(text).strip()


def _envelope(where: Where, event_id: str, raw: Mapping[str, Any], retry: int = 0
              ) -> Envelope:
    return Envelope(platform="slack", tenant=where.team, user_id=where.user,
                    conversation_id=where.channel or where.user, event_id=event_id,
                    retry_count=retry, is_direct=where.direct or where.channel is None,
                    raw=raw)


def slash_command(body: Mapping[str, Any]) -> tuple[Command, Where]:
    """``/credit …``: the text after the command; a text that starts with no command word
    is a customer to look up (``/credit 华为``)."""
    where = Where(team=str(body.get("team_id", "")), user=str(body.get("user_id", "")),
                  channel=body.get("channel_id"), response_url=body.get("response_url"),
                  trigger_id=body.get("trigger_id"), slash=True)
    text = plain_text(str(body.get("text", ""))) or "help"
    event_id = f"slash:{body.get('trigger_id', '')}"
    return Command(_envelope(where, event_id, body), text, default_command="credit"), where


def message(body: Mapping[str, Any], retry: int) -> tuple[Command, Where] | None:
    """A direct message or a mention; None for what is not written by a person (edits,
    bot messages, joins)."""
    event = body.get("event", {})
    if event.get("subtype") or event.get("bot_id") or not event.get("user"):
        return None
    if event.get("type") == "message" and event.get("channel_type") != "im":
        return None
    team = str(body.get("team_id") or event.get("team") or "")
    where = Where(team=team, user=str(event["user"]), channel=event.get("channel"))
    envelope = _envelope(where, str(body.get("event_id") or event.get("ts")), body, retry)
    return Command(envelope, plain_text(str(event.get("text", "")))), where


def _team(body: Mapping[str, Any]) -> str:
    return str((body.get("team") or {}).get("id") or body.get("user", {}).get("team_id") or "")


def block_action(body: Mapping[str, Any], action_id: str, value: Mapping[str, str],
                 form: Mapping[str, str] | None = None) -> tuple[CardAction, Where]:
    """A tapped button on a message (or the home tab)."""
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    where = Where(team=_team(body), user=str(body["user"]["id"]), channel=channel,
                  response_url=body.get("response_url"), trigger_id=body.get("trigger_id"),
                  message_ts=container.get("message_ts"),
                  ephemeral=bool(container.get("is_ephemeral")))
    ref = {"channel": channel, "ts": where.message_ts, "ephemeral": where.ephemeral}
    event_id = f"action:{body.get('trigger_id') or body.get('actions', [{}])[0].get('action_ts')}"
    return CardAction(_envelope(where, event_id, body), action_id, dict(value),
                      dict(form or {}), ref), where


def view_submission(body: Mapping[str, Any], metadata: Mapping[str, Any],
                    form: Mapping[str, str]) -> tuple[CardAction, Where]:
    """A submitted modal; ``metadata`` says which action it completes and where it was
    opened from."""
    view = body.get("view") or {}
    where = Where(team=_team(body), user=str(body["user"]["id"]),
                  channel=metadata.get("channel"), response_url=metadata.get("response_url"),
                  message_ts=metadata.get("ts"), ephemeral=bool(metadata.get("ephemeral")))
    ref = {"channel": where.channel, "ts": where.message_ts, "ephemeral": where.ephemeral}
    action = CardAction(_envelope(where, f"view:{view.get('id', '')}", body),
                        str(metadata.get("a", "")),
                        {str(k): str(v) for k, v in dict(metadata.get("v") or {}).items()},
                        dict(form), ref)
    return action, where
