"""The emulator as a platform: inbound (a signed-in person's message or tap → the pipeline →
replies stored in their direct conversation) and outbound (an :class:`Outlet` for the
notifier: direct messages and channel feeds). Blocking; routes call it in the thread pool."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from bot.bootstrap import Runtime, runtime_hook
from bot.delivery import Target, conversations, outlets, record_sent
from bot.emulator.events import action_event, message_event
from bot.messages import (
    Capabilities,
    Reply,
    card_from_json,
    card_to_json,
    form_from_json,
    form_to_json,
)
from bot.pipeline import Conversations
from credit_domain.access import Actor, refuse
from credit_domain.bootstrap import Domain
from credit_domain.conversations.models import EmulatorMessage
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.inbound.services import was_claimed
from credit_domain.orgs.models import Platform, PlatformIdentity

_ = text_factory("bot")

EMULATOR = Capabilities(update_in_place=True, buttons_call_back=True, forms=True, images=True,
                        markdown=False, default_locale="zh_CN")
HISTORY = 60  # messages shown per feed


def dm_feed(person_id: int) -> str:
    return f"dm:{person_id}"


def channel_feed(channel: str) -> str:
    return f"channel:{channel}"


def store(domain: Domain, feed: str, reply: Reply, *, person_id: int | None,
          business_unit_id: int | None = None) -> int:
    """Append the bot's ``reply`` to ``feed``; returns the message id."""
    with domain.uow() as uow:
        row = EmulatorMessage(
            feed=feed, person_id=person_id, business_unit_id=business_unit_id, from_bot=True,
            text=reply.text, card=card_to_json(reply.card) if reply.card else None,
            form=form_to_json(reply.form) if reply.form else None,
            card_key=reply.card.key if reply.card else None, created_at=uow.now(), version=1)
        uow.session.add(row)
        uow.commit()
        return row.id


def replace(domain: Domain, message_id: int, reply: Reply) -> None:
    """Update a stored message in place (its version changes, so open pages redraw it)."""
    with domain.uow() as uow:
        row = uow.session.get(EmulatorMessage, message_id)
        if row is None:
            raise NotFound(_("That message no longer exists."))
        row.text = reply.text
        row.card = card_to_json(reply.card) if reply.card else None
        row.form = form_to_json(reply.form) if reply.form else None
        row.card_key = reply.card.key if reply.card else row.card_key
        row.version += 1
        uow.commit()


class EmulatorOutlet:
    """Outbound: notifications into a person's direct conversation or a channel feed."""

    platform = "emulator"
    capabilities = EMULATOR

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def person_conversation(self, identity: PlatformIdentity) -> str | None:
        return dm_feed(identity.person_id)

    def channel_conversation(self, channel: str) -> str | None:
        return channel_feed(channel)

    def post(self, target: Target, reply: Reply) -> str:
        return str(store(self.domain, target.conversation_id, reply, person_id=target.person_id,
                         business_unit_id=target.business_unit_id))

    def update(self, target: Target, message_id: str, reply: Reply) -> None:
        replace(self.domain, int(message_id), reply)


@dataclass(frozen=True)
class Feed:
    id: str
    name: str
    direct: bool


class EmulatorConnector:
    """Inbound side and reading of the feeds, for the emulator's routes."""

    def __init__(self, domain: Domain, pipeline: Conversations) -> None:
        self.domain = domain
        self.pipeline = pipeline

    def send(self, actor: Actor, text: str, client_id: str) -> None:
        """The person wrote ``text`` to the bot."""
        text = text.strip()
        if not text:
            return
        assert actor.person_id is not None
        feed = dm_feed(actor.person_id)
        event = message_event(actor.person_id, self._login(actor.person_id), text, client_id)
        with self.domain.uow(actor) as uow:
            if was_claimed(uow, "emulator", event.envelope.event_id):
                return  # the page sent the same message again
            uow.session.add(EmulatorMessage(feed=feed, person_id=actor.person_id,
                                            from_bot=False, text=text[:4000],
                                            created_at=uow.now(), version=1))
            uow.commit()
        self._answer(actor.person_id, self.pipeline.handle(event, EMULATOR), None)

    def act(self, actor: Actor, message_id: int, index: int | None,
            form: dict[str, str], client_id: str) -> None:
        """The person tapped button ``index`` (or submitted the form, ``index`` None) of a
        message they can see."""
        assert actor.person_id is not None
        row = self.message(actor, message_id)
        if index is None:
            if row.form is None:
                raise InvalidInput(_("That message has no form."))
            the_form = form_from_json(row.form)
            action_id, value = the_form.action_id, dict(the_form.value)
        else:
            card = card_from_json(row.card) if row.card else None
            if card is None or not 0 <= index < len(card.buttons):
                raise InvalidInput(_("That button no longer exists."))
            button = card.buttons[index]
            if button.needs_reason and not form.get("reason", "").strip():
                raise InvalidInput(_("Please give a reason."))
            action_id, value = button.action_id, dict(button.value)
        event = action_event(actor.person_id, self._login(actor.person_id), action_id, value,
                             form, message_id, client_id)
        self._answer(actor.person_id, self.pipeline.handle(event, EMULATOR), message_id)

    def _answer(self, person_id: int, replies: list[Reply], tapped: int | None) -> None:
        feed = dm_feed(person_id)
        target = Target("emulator", "", feed, EMULATOR.default_locale, person_id=person_id)
        for reply in replies:
            if reply.replace_original and tapped is not None:
                replace(self.domain, tapped, reply)
                message_id = tapped
            else:
                message_id = store(self.domain, feed, reply, person_id=person_id)
            if reply.card is not None and reply.card.key:  # a later update finds it
                record_sent(self.domain, target, str(message_id), reply.card.key)

    def _login(self, person_id: int) -> str:
        with self.domain.read() as session:
            login = session.scalar(select(PlatformIdentity.external_id).where(
                PlatformIdentity.person_id == person_id,
                PlatformIdentity.platform == Platform.EMULATOR))
        return login or f"person:{person_id}"

    # -- reading -----------------------------------------------------------------------------
    def _visible(self, actor: Actor) -> Any:
        assert actor.person_id is not None
        units = sorted(actor.business_unit_ids())
        return or_(EmulatorMessage.feed == dm_feed(actor.person_id),
                   EmulatorMessage.feed.like("channel:%") & or_(
                       EmulatorMessage.business_unit_id.is_(None),
                       EmulatorMessage.business_unit_id.in_(units)))

    def message(self, actor: Actor, message_id: int) -> EmulatorMessage:
        with self.domain.read() as session:
            row = session.scalar(select(EmulatorMessage).where(
                EmulatorMessage.id == message_id, self._visible(actor)))
        if row is None:
            raise refuse(actor, "act_on_message", f"emulator_message:{message_id}",
                         _("You cannot act on that message."))
        return row

    def feeds(self, actor: Actor) -> list[Feed]:
        """The person's direct conversation, then the channel feeds they may read."""
        assert actor.person_id is not None
        with self.domain.read() as session:
            names = session.scalars(select(EmulatorMessage.feed).where(
                EmulatorMessage.feed.like("channel:%"), self._visible(actor)).distinct()).all()
        return [Feed(dm_feed(actor.person_id), "creditbot", True)] + [
            Feed(n, "#" + n.split(":", 1)[1], False) for n in sorted(names)]

    def messages(self, actor: Actor, feed: str) -> list[EmulatorMessage]:
        """The latest messages of ``feed`` the person may read, oldest first."""
        with self.domain.read() as session:
            rows = session.scalars(select(EmulatorMessage).where(
                EmulatorMessage.feed == feed, self._visible(actor))
                .order_by(EmulatorMessage.id.desc()).limit(HISTORY)).all()
        return list(reversed(rows))


@runtime_hook
def install_emulator(runtime: Runtime) -> None:
    """With ``CREDITBOT_EMULATOR=1``: the emulator outlet and connector."""
    if not runtime.settings.emulator:
        return
    outlets(runtime)["emulator"] = EmulatorOutlet(runtime.domain)
    runtime.extras["emulator"] = EmulatorConnector(runtime.domain, conversations(runtime))
