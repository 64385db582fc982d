"""An in-memory chat platform for conversation tests: push a message or tap a button as
someone, pop the replies (errbot's testbot, for creditbot's pipeline)."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.messages import Button, Capabilities, CardAction, Command, Envelope, Reply
from bot.pipeline import Conversations
from credit_domain.bootstrap import Domain

CARDS = Capabilities(update_in_place=True, buttons_call_back=True, forms=True,
                     default_locale="zh_CN")
TEXT_ONLY = Capabilities(default_locale="en")
_ids = itertools.count(1)


@dataclass
class TestPlatform:
    __test__ = False  # not a test class

    domain: Domain
    capabilities: Capabilities = CARDS
    platform: str = "emulator"  # people are found by their emulator logins
    replies: deque[Reply] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.conversations = Conversations(self.domain, public_url="http://creditbot.test")

    def envelope(self, user: str, event_id: str | None = None, **kw: Any) -> Envelope:
        return Envelope(platform=self.platform, tenant="", user_id=user,
                        conversation_id=f"dm:{user}",
                        event_id=event_id or f"evt-{next(_ids)}", **kw)

    def push(self, text: str, *, user: str, event_id: str | None = None,
             default_command: str | None = None) -> list[Reply]:
        got = self.conversations.handle(
            Command(self.envelope(user, event_id), text, default_command), self.capabilities)
        self.replies.extend(got)
        return got

    def tap(self, button: Button, *, user: str, form: dict[str, str] | None = None,
            event_id: str | None = None, message: str | None = None) -> list[Reply]:
        """Tap ``button`` (on the card ``message``, when given)."""
        action = CardAction(self.envelope(user, event_id), button.action_id,
                            dict(button.value), form or {},
                            {"message_id": message} if message else None)
        got = self.conversations.handle(action, self.capabilities)
        self.replies.extend(got)
        return got

    def pop(self) -> Reply:
        assert self.replies, "the bot did not answer"
        return self.replies.popleft()

    def pop_text(self) -> str:
        return self.pop().as_text()

    def assert_silent(self) -> None:
        assert not self.replies, [r.as_text() for r in self.replies]
