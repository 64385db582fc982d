"""The notifier port: how the outbox dispatcher hands a message to the platforms.

``bot`` implements it (rendering the neutral payload with ``handlers`` in the recipient's
language, then sending through each enabled platform's adapter); tests implement it with a
fake. The dispatcher never knows which platform is behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    kind: str
    payload: dict[str, Any]
    person_id: int | None
    channel: str | None
    business_unit_id: int | None
    platform: str | None
    attempts: int
    dedupe_key: str | None = None


class DeliveryFailed(Exception):
    """Sending failed. ``permanent`` failures (unknown recipient, message rejected) are not
    retried; temporary ones (timeouts, 5xx, rate limits) are, with backoff."""

    def __init__(self, reason: str, *, permanent: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.retry_after = retry_after


class Notifier(Protocol):
    def send(self, message: OutgoingMessage) -> dict[str, Any] | None:
        """Deliver ``message``; return what identifies it on the platform(s) (for later
        updates), or raise :class:`DeliveryFailed`."""
        ...
