"""What the emulator page sends, as neutral events. The page is signed in, so the person is
known (``person_id`` is set on the envelope); the event id comes from the page, so a request
the browser repeats is processed once."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from bot.messages import CardAction, Command, Envelope


def _envelope(person_id: int, login: str, client_id: str) -> Envelope:
    event = (client_id or uuid.uuid4().hex)[:64]
    return Envelope(platform="emulator", tenant="", user_id=login,
                    conversation_id=f"dm:{person_id}", event_id=f"{person_id}:{event}",
                    person_id=person_id, is_direct=True)


def message_event(person_id: int, login: str, text: str, client_id: str) -> Command:
    return Command(_envelope(person_id, login, client_id), text)


def action_event(person_id: int, login: str, action_id: str, value: Mapping[str, str],
                 form: Mapping[str, str], message_id: int, client_id: str) -> CardAction:
    return CardAction(_envelope(person_id, login, client_id), action_id, dict(value),
                      {k: str(v) for k, v in form.items()}, {"message_id": message_id})
