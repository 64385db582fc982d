"""The real :class:`~credit_domain.outbox.port.Notifier`: an outbox message becomes a card in
each recipient's language (the kind's renderer, else the generic one) and is sent through
every enabled platform that reaches the recipient: a person on each platform where they have
an identity, a named channel on each platform where it is configured (the emulator shows any
channel as a feed).

Each platform's outbound side is an :class:`Outlet`, registered by its adapter in
``runtime.extras["outlets"]``. Deliveries are recorded in ``sent_messages``: a retried outbox
message skips the platforms it already reached, and a notification whose reply says
``replace_original`` with a card ``key`` updates the card sent earlier under that key to the
same recipient instead of posting a new one (an approval card showing who decided).

Blocking: ``send`` does database and HTTP calls; the dispatcher calls it in a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select

from bot.bootstrap import Runtime, runtime_hook
from bot.messages import Capabilities, Reply
from bot.observability import redact_query
from bot.pipeline import Conversations
from credit_domain.bootstrap import Domain
from credit_domain.conversations.models import SentMessage
from credit_domain.i18n import normalize_locale
from credit_domain.orgs.models import BusinessUnit, Person, PlatformIdentity
from credit_domain.outbox.port import DeliveryFailed, OutgoingMessage
from handlers.router import RenderContext, Router

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """One recipient on one platform."""

    platform: str
    tenant: str
    conversation_id: str  # what the platform posts to: a user id, a channel id, a feed
    locale: str
    person_id: int | None = None
    channel: str | None = None
    business_unit_id: int | None = None
    outbox_id: int | None = None  # set for outbox deliveries (a platform may dedupe by it)


class Outlet(Protocol):
    """A platform's outbound side. Blocking; raises DeliveryFailed on failure."""

    platform: str
    capabilities: Capabilities

    def person_conversation(self, identity: PlatformIdentity) -> str | None:
        """Where to write to this person directly (None: not reachable here)."""
        ...

    def channel_conversation(self, channel: str) -> str | None:
        """The platform conversation configured for a named channel, or None."""
        ...

    def post(self, target: Target, reply: Reply) -> str:
        """Send ``reply``; return the message's id on the platform (for later updates)."""
        ...

    def update(self, target: Target, message_id: str, reply: Reply) -> None:
        """Replace a message sent earlier with ``reply``."""
        ...


def outlets(runtime: Runtime) -> dict[str, Outlet]:
    """The enabled platforms' outlets, by platform name (adapters add theirs)."""
    found: dict[str, Outlet] = runtime.extras.setdefault("outlets", {})
    return found


def conversations(runtime: Runtime) -> Conversations:
    """The process's inbound pipeline, shared by every adapter."""
    found = runtime.extras.get("conversations")
    if found is None:
        found = runtime.extras["conversations"] = Conversations(
            runtime.domain, public_url=public_url(runtime))
    assert isinstance(found, Conversations)
    return found


def public_url(runtime: Runtime) -> str:
    """Where people reach creditbot's web UI (links in cards)."""
    s = runtime.settings
    return (s.public_url or f"http://{s.host}:{s.port}").rstrip("/")


class ChatNotifier:
    """See the module docstring."""

    def __init__(self, domain: Domain, outlets: Mapping[str, Outlet], router: Router,
                 public_url: str = "") -> None:
        self.domain = domain
        self.outlets = outlets
        self.router = router
        self.public_url = public_url

    def send(self, message: OutgoingMessage) -> dict[str, Any] | None:
        targets = self.targets(message)
        if not targets:
            raise DeliveryFailed(self._unreachable(message), permanent=True)
        delivered: list[dict[str, str]] = []
        failures: list[DeliveryFailed] = []
        for target in targets:
            try:
                delivered.append(self._deliver(message, target))
            except DeliveryFailed as exc:
                log.warning("outbox %s to %s %s failed: %s", message.id, target.platform,
                            target.conversation_id, exc)
                failures.append(exc)
        temporary = [f for f in failures if not f.permanent]
        if temporary:
            waits = [f.retry_after for f in temporary if f.retry_after is not None]
            raise DeliveryFailed(redact_query("; ".join(map(str, temporary))),
                                 retry_after=max(waits) if waits else None)
        if failures and not delivered:
            raise DeliveryFailed(redact_query("; ".join(map(str, failures))), permanent=True)
        result: dict[str, Any] = {"deliveries": delivered}
        if failures:
            result["errors"] = [str(f) for f in failures]
        return result

    # -- recipients --------------------------------------------------------------------------
    def targets(self, message: OutgoingMessage) -> list[Target]:
        """Every (platform, conversation) the message should reach."""
        enabled = {name: o for name, o in self.outlets.items()
                   if message.platform is None or name == message.platform}
        found: list[Target] = []
        with self.domain.read() as session:
            if message.person_id is not None:
                person = session.get(Person, message.person_id)
                if person is None or not person.active:
                    return []
                for identity in person.identities:
                    outlet = enabled.get(identity.platform)
                    where = outlet.person_conversation(identity) if outlet else None
                    if outlet is None or where is None:
                        continue
                    locale = normalize_locale(person.locale or
                                              outlet.capabilities.default_locale)
                    found.append(Target(outlet.platform, identity.tenant, where, locale,
                                        person_id=person.id,
                                        business_unit_id=message.business_unit_id,
                                        outbox_id=message.id))
            if message.channel is not None:
                unit = (session.get(BusinessUnit, message.business_unit_id)
                        if message.business_unit_id is not None else None)
                for outlet in enabled.values():
                    where = outlet.channel_conversation(message.channel)
                    if where is None:
                        continue
                    locale = normalize_locale(unit.locale if unit else
                                              outlet.capabilities.default_locale)
                    found.append(Target(outlet.platform, "", where, locale,
                                        channel=message.channel,
                                        business_unit_id=message.business_unit_id,
                                        outbox_id=message.id))
        unique = {(t.platform, t.conversation_id): t for t in found}
        return list(unique.values())

    def _unreachable(self, message: OutgoingMessage) -> str:
        who = (f"person {message.person_id}" if message.person_id is not None
               else f"channel {message.channel}")
        platforms = ", ".join(sorted(self.outlets)) or "none"
        return f"{who} is not reachable on any enabled platform (enabled: {platforms})"

    # -- one target --------------------------------------------------------------------------
    def _deliver(self, message: OutgoingMessage, target: Target) -> dict[str, str]:
        outlet = self.outlets[target.platform]
        with self.domain.read() as session:
            done = session.scalar(select(SentMessage).where(
                SentMessage.outbox_id == message.id, SentMessage.platform == target.platform,
                SentMessage.conversation_id == target.conversation_id))
        if done is not None:
            return {"platform": target.platform, "conversation": target.conversation_id,
                    "message": done.message_id}
        reply = self.render(message, target, outlet.capabilities)
        key = reply.card.key if reply.card is not None else None
        earlier = self._earlier(target, key) if reply.replace_original and key else None
        if earlier is not None:
            outlet.update(target, earlier.message_id, reply)
            message_id = earlier.message_id
        else:
            message_id = outlet.post(target, reply)
        self._record(message, target, message_id, key, updated=earlier is not None)
        return {"platform": target.platform, "conversation": target.conversation_id,
                "message": message_id}

    def render(self, message: OutgoingMessage, target: Target,
               capabilities: Capabilities) -> Reply:
        """The reply for one target; a payload no renderer can read fails permanently."""
        rc = RenderContext(target.locale, self.domain, self.public_url, target.person_id,
                           target.channel, target.platform, capabilities)
        try:
            return self.router.render_notification(message.kind, message.payload, rc)
        except Exception as exc:
            log.exception("rendering outbox %s (%s) failed", message.id, message.kind)
            raise DeliveryFailed(f"cannot render {message.kind}: {exc}", permanent=True) from exc

    def _earlier(self, target: Target, key: str) -> SentMessage | None:
        with self.domain.read() as session:
            return session.scalars(select(SentMessage).where(
                SentMessage.card_key == key, SentMessage.platform == target.platform,
                SentMessage.conversation_id == target.conversation_id)
                .order_by(SentMessage.id.desc()).limit(1)).first()

    def _record(self, message: OutgoingMessage, target: Target, message_id: str,
                key: str | None, *, updated: bool) -> None:
        with self.domain.uow() as uow:
            now = uow.now()
            uow.session.add(SentMessage(
                platform=target.platform, tenant=target.tenant,
                conversation_id=target.conversation_id, message_id=message_id,
                person_id=target.person_id, channel=target.channel, card_key=key,
                locale=target.locale, outbox_id=message.id, sent_at=now,
                updated_at=now if updated else None))
            uow.commit()


def record_sent(domain: Domain, target: Target, message_id: str, key: str | None) -> None:
    """Remember a card an adapter sent outside the outbox (a reply), so a later notification
    with the same key can update it in place."""
    if key is None:
        return
    with domain.uow() as uow:
        uow.session.add(SentMessage(
            platform=target.platform, tenant=target.tenant,
            conversation_id=target.conversation_id, message_id=message_id,
            person_id=target.person_id, channel=target.channel, card_key=key,
            locale=target.locale, outbox_id=None, sent_at=uow.now()))
        uow.commit()


@runtime_hook
def install_notifier(runtime: Runtime) -> None:
    """Register the chat notifier as the domain's ``notifier`` port."""
    pipeline = conversations(runtime)
    runtime.domain.ports["notifier"] = ChatNotifier(
        runtime.domain, outlets(runtime), pipeline.router, public_url(runtime))
