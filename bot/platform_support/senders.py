"""What a platform sender offers the notifier and the inbound paths, and the part every
platform does alike: finding a person's account, and updating every sent copy of a card."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from sqlalchemy import select

from bot.bootstrap import Runtime
from bot.messages import Capabilities, Card, CardAction, Reply
from bot.platform_support.refs import SentCard, SentCards
from credit_domain.bootstrap import Domain
from credit_domain.orgs.models import Platform, PlatformIdentity
from credit_domain.outbox.port import DeliveryFailed


class PlatformSender(ABC):
    """Sends neutral replies to one platform; raises :class:`DeliveryFailed`."""

    platform: Platform
    capabilities: Capabilities
    handle_ref: str  # the CardAction.message_ref key naming the tapped copy

    def __init__(self, sent: SentCards, domain: Domain) -> None:
        self.sent = sent
        self._domain = domain

    @abstractmethod
    def send_direct(self, user_id: str, reply: Reply, *, person_id: int | None = None,
                    outbox_id: int | None = None) -> dict[str, Any]:
        """To one person by their platform user id."""

    @abstractmethod
    def send_channel(self, target: str, reply: Reply, *,
                     outbox_id: int | None = None) -> dict[str, Any]:
        """To a group chat or alert channel."""

    @abstractmethod
    def _update_copy(self, copy: SentCard, card: Card) -> str:
        """Show ``card`` on one sent copy: "updated" in place, or "resent" as a new message."""

    def user_id_of(self, person_id: int) -> str | None:
        """The person's account on this platform (the oldest, if several)."""
        with self._domain.read() as session:
            return session.scalar(select(PlatformIdentity.external_id).where(
                PlatformIdentity.person_id == person_id,
                PlatformIdentity.platform == self.platform).order_by(PlatformIdentity.id))

    def send_to_person(self, person_id: int, reply: Reply, *,
                       outbox_id: int | None = None) -> dict[str, Any]:
        """To a person through their :class:`PlatformIdentity` on this platform."""
        user_id = self.user_id_of(person_id)
        if user_id is None:
            raise DeliveryFailed(f"person {person_id} has no {self.platform.value} account",
                                 permanent=True)
        return self.send_direct(user_id, reply, person_id=person_id, outbox_id=outbox_id)

    def update_card(self, card: Card, *, recipient: str | None = None) -> dict[str, int]:
        """Show ``card`` in place of every sent copy of ``card.key`` (or only
        ``recipient``'s)."""
        if not card.key:
            raise ValueError("only a card with a key can be updated")
        outcome = {"updated": 0, "resent": 0}
        for copy in self.sent.copies(card.key, recipient):
            outcome[self._update_copy(copy, card)] += 1
        return outcome

    def replace_card(self, recipient: str, card: Card, action: CardAction | None = None
                     ) -> bool:
        """Show ``card`` instead of the copy ``action`` was tapped on or, without one, instead
        of ``recipient``'s copies of ``card.key`` (a decision given in answer to a question,
        e.g. a reason). False when there is no card to replace."""
        handle = str(((action.message_ref if action else None) or {}).get(self.handle_ref)
                     or "")
        copy = self.sent.by_handle(handle) if handle else None
        if copy is not None:
            self._update_copy(copy, card)
            return True
        if card.key and self.sent.copies(card.key, recipient):
            self.update_card(card, recipient=recipient)
            return True
        return False


SENDERS_KEY = "platform_senders"


def register_sender(runtime: Runtime, sender: PlatformSender) -> None:
    """Make ``sender`` available to the notifier (one per platform)."""
    runtime.extras.setdefault(SENDERS_KEY, {})[sender.platform.value] = sender


def platform_senders(runtime: Runtime) -> dict[str, PlatformSender]:
    """The configured platform senders by platform name (``wecom``, ``dingtalk``)."""
    senders: dict[str, PlatformSender] = runtime.extras.get(SENDERS_KEY, {})
    return dict(senders)
