"""The inbound pipeline every platform adapter feeds: envelope → identity → person →
idempotency → open dialogue or router → replies adapted to what the platform can show.

- An unknown platform user gets a polite, localized answer on how to be enrolled, nothing else.
- An event id is processed once: a retried delivery (Slack's X-Slack-Retry-Num, a resent
  webhook) finds its claim in ``processed_events`` and gets no second answer.
- On platforms whose buttons cannot call back (the terminal), card buttons are numbered and
  the person answers with the number; a reason or a form is asked question by question.
- On platforms whose buttons call back but that have no forms (WeCom, DingTalk), a tapped
  button that needs a reason asks for it in the chat, then acts with the answer.

Blocking: ``handle`` talks to the database. Async adapters call it in a worker thread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import unicodedata
from dataclasses import replace
from typing import Any

from bot.messages import (
    Button,
    Capabilities,
    CardAction,
    Command,
    Envelope,
    Form,
    Input,
    Reply,
    button_from_json,
    button_to_json,
    form_from_json,
    form_to_json,
)
from bot.observability import handling
from credit_domain.access import Actor, load_actor
from credit_domain.bootstrap import Domain
from credit_domain.conversations import state
from credit_domain.errors import DomainError, InvalidInput
from credit_domain.i18n import Text, normalize_locale, text_factory
from credit_domain.inbound.services import claim, claim_once_within, release
from credit_domain.orgs.people import Identity, person_for_identity
from handlers.router import Context, Router, WebLinks
from handlers.router import router as default_router

_ = text_factory("bot")
log = logging.getLogger(__name__)

CANCEL_WORDS = frozenset({"cancel", "stop", "取消", "算了", "退出"})
SKIP_WORDS = frozenset({"-", "skip", "跳过", "无"})
DOUBLE_TAP = dt.timedelta(seconds=10)  # the same tap again within this is ignored


def default_locale(envelope: Envelope, capabilities: Capabilities) -> str:
    """The language for someone who has not chosen one: the adapter's hint (a terminal's
    LANG), else the platform's default (``Capabilities.default_locale``: Chinese on WeCom,
    DingTalk and the emulator, English on Slack)."""
    return normalize_locale(envelope.locale or capabilities.default_locale)


class Conversations:
    """See the module docstring. One per process, shared by every adapter."""

    def __init__(self, domain: Domain, *, public_url: str = "",
                 router: Router | None = None) -> None:
        self.domain = domain
        self.public_url = public_url
        self.web: WebLinks | None = None  # set by the web layer (bot/web/chat_links.py)
        import handlers.conversations  # noqa: F401  (registers every conversation)

        self.router = router or default_router

    # -- entry -------------------------------------------------------------------------------
    def handle(self, event: Command | CardAction, capabilities: Capabilities) -> list[Reply]:
        """Process one inbound message or card action; return what to answer. Timed by
        handler (``creditbot_handler_seconds``); its log records carry the event id."""
        return self.handle_in(event, capabilities)[0]

    def handle_in(self, event: Command | CardAction, capabilities: Capabilities
                  ) -> tuple[list[Reply], str]:
        """:meth:`handle`, and the language the answers are in (the person's, or the
        platform's guess for someone not enrolled)."""
        envelope = event.envelope
        with handling(envelope.platform, self.handler_name(event), envelope.event_id):
            return self._handle(event, capabilities)

    def handler_name(self, event: Command | CardAction) -> str:
        """The metrics label of what handles ``event``: the command or card action it names
        ("text" for anything else: a dialogue's answer, an unknown word)."""
        if isinstance(event, CardAction):
            return event.action_id if event.action_id in self.router.actions else "unknown"
        found = self.router.match(event.text) if event.text else None
        return found[0].name if found is not None else "text"

    def _handle(self, event: Command | CardAction, capabilities: Capabilities
                ) -> tuple[list[Reply], str]:
        envelope = event.envelope
        actor = self._actor(envelope)
        if actor is None:
            return ([self.not_enrolled(envelope, capabilities)],
                    default_locale(envelope, capabilities))
        locale = (normalize_locale(actor.locale) if actor.locale
                  else default_locale(envelope, capabilities))
        envelope = replace(envelope, person_id=actor.person_id, locale=locale)
        ctx = Context(self.domain, actor, envelope, locale, capabilities, self.router,
                      self.public_url, self.web)
        with self.domain.uow(actor) as uow:
            first = claim(uow, envelope.platform, envelope.event_id)
            if first and isinstance(event, CardAction) and event.message_ref:
                first = claim_once_within(uow, envelope.platform, tap_key(event, actor),
                                          DOUBLE_TAP)
            uow.commit()
        if not first:
            log.info("duplicate delivery or tap %s/%s ignored", envelope.platform,
                     envelope.event_id)
            return [], locale
        try:
            if isinstance(event, Command):
                replies = self._command(ctx, event)
            elif wants_reason(event, capabilities):
                replies = self._pick(ctx, reason_button(event))
            else:
                replies = self.router.dispatch_action(ctx, replace(event, envelope=envelope))
        except DomainError as exc:
            replies = [error_reply(exc.message, locale)]
        except Exception:
            log.exception("handling %s/%s failed", envelope.platform, envelope.event_id)
            with self.domain.uow(actor) as uow:
                release(uow, envelope.platform, envelope.event_id)
                uow.commit()
            replies = [error_reply(_("Sorry, something went wrong on my side. Please try again "
                                     "in a moment."), locale)]
        if not capabilities.buttons_call_back or not capabilities.forms:
            replies = self._for_text_platform(ctx, replies)
        return replies, locale

    def context_for(self, envelope: Envelope, capabilities: Capabilities) -> Context | None:
        """A handler context for an enrolled person without processing an event (App Home,
        typeahead suggestions)."""
        actor = self._actor(envelope)
        if actor is None:
            return None
        locale = (normalize_locale(actor.locale) if actor.locale
                  else default_locale(envelope, capabilities))
        envelope = replace(envelope, person_id=actor.person_id, locale=locale)
        return Context(self.domain, actor, envelope, locale, capabilities, self.router,
                       self.public_url, self.web)

    # -- identity ----------------------------------------------------------------------------
    def _actor(self, envelope: Envelope) -> Actor | None:
        with self.domain.read() as session:
            person_id = envelope.person_id
            if person_id is None:
                person = person_for_identity(
                    session, Identity(envelope.platform, envelope.tenant, envelope.user_id))
                if person is None:
                    return None
                person_id = person.id
            try:
                return load_actor(session, person_id)
            except DomainError:
                return None

    def not_enrolled(self, envelope: Envelope, capabilities: Capabilities) -> Reply:
        """The polite answer to someone creditbot does not know, and how to be enrolled."""
        locale = default_locale(envelope, capabilities)
        text = _("Hello! I don't know you yet: you are not enrolled in creditbot. Please ask "
                 "your credit administrator to enrol you and link this account ({platform} "
                 "user {user}). Until then I can't show you anything.",
                 platform=envelope.platform, user=envelope.user_id)
        return Reply(text=text.render(locale), ephemeral=True)

    # -- text --------------------------------------------------------------------------------
    def _command(self, ctx: Context, command: Command) -> list[Reply]:
        text = (command.text or "").strip()
        folded = unicodedata.normalize("NFKC", text).strip().lower()
        with self.domain.read() as session:
            dialogue = state.current(session, ctx.where, ctx.now())
        if dialogue is not None and folded in CANCEL_WORDS:
            ctx.end_dialogue()
            return [Reply(text=ctx.t(_("OK, cancelled.")))]
        if dialogue is not None:
            answered = self._continue(ctx, dialogue, text, folded)
            if answered is not None:
                return answered
        if not text:
            text = "help"
        return self.router.dispatch_command(ctx, text, default=command.default_command)

    def _continue(self, ctx: Context, dialogue: state.Dialogue, text: str,
                  folded: str) -> list[Reply] | None:
        """The answer to an open dialogue, or None when the message is not one (a new
        command: the dialogue is dropped)."""
        if dialogue.flow == "choice":
            options = dialogue.data.get("options", [])
            if folded.isdigit() and 1 <= int(folded) <= len(options):
                ctx.end_dialogue()
                return self._pick(ctx, button_from_json(options[int(folded) - 1]))
            if folded.isdigit():
                return [Reply(text=ctx.t(_("Please answer with a number from 1 to {n}, or "
                                           "cancel.", n=len(options))))]
            ctx.end_dialogue()
            return None
        if dialogue.flow == "reason":
            if not text:
                return [Reply(text=ctx.t(_("Please give a reason, or cancel.")))]
            ctx.end_dialogue()
            button = button_from_json(dialogue.data["button"])
            return self._act(ctx, button.action_id, button.value, {"reason": text})
        if dialogue.flow == "form":
            return self._form_answer(ctx, dialogue, text, folded)
        if dialogue.flow in self.router.flows:
            return self.router.continue_flow(ctx, dialogue, text)
        ctx.end_dialogue()
        return None

    def _pick(self, ctx: Context, button: Button) -> list[Reply]:
        if button.needs_reason:
            ctx.begin_dialogue("reason", data={"button": button_to_json(button)})
            asked = (_("{action}: please write {what} (or cancel).", action=button.label,
                       what=button.prompt.lower()) if button.prompt
                     else _("{action}: please give a reason (or cancel).", action=button.label))
            return [Reply(text=ctx.t(asked))]
        return self._act(ctx, button.action_id, button.value, {})

    def _act(self, ctx: Context, action_id: str, value: Any, form: dict[str, str]
             ) -> list[Reply]:
        action = CardAction(ctx.envelope, action_id, dict(value), form)
        return self.router.dispatch_action(ctx, action)

    # -- forms asked question by question ----------------------------------------------------
    def _form_answer(self, ctx: Context, dialogue: state.Dialogue, text: str,
                     folded: str) -> list[Reply]:
        form = form_from_json(dialogue.data["form"])
        answers: dict[str, str] = dict(dialogue.data.get("answers", {}))
        question = form.inputs[len(answers)]
        if not text or (folded in SKIP_WORDS and not question.required):
            if question.required:
                return [Reply(text=ctx.t(_("This one is needed. {question}",
                                           question=_question(ctx, question))))]
            answers[question.name] = ""
        else:
            answers[question.name] = _option_value(ctx, question, text)
        if len(answers) < len(form.inputs):
            ctx.begin_dialogue("form", data={"form": form_to_json(form), "answers": answers})
            return [Reply(text=_question(ctx, form.inputs[len(answers)]))]
        ctx.end_dialogue()
        return self._act(ctx, form.action_id, form.value, answers)

    # -- adapting replies to text-only platforms ---------------------------------------------
    def _for_text_platform(self, ctx: Context, replies: list[Reply]) -> list[Reply]:
        caps = ctx.capabilities
        out: list[Reply] = []
        options: list[dict[str, Any]] = []
        form: Form | None = None
        for reply in replies:
            if reply.form is not None and not caps.forms:
                form = reply.form
                reply = replace(reply, form=None)
                if reply.text is None and reply.card is None:
                    continue
            card = reply.card
            if card is not None and not caps.buttons_call_back:
                numbered: list[Button] = []
                for b in card.buttons:
                    if b.url or not b.action_id:
                        numbered.append(b)
                        continue
                    options.append(button_to_json(b))
                    numbered.append(replace(b, label=f"{len(options)}. {b.label}"))
                reply = replace(reply, card=replace(card, buttons=tuple(numbered)))
            out.append(reply)
        if form is not None:
            ctx.begin_dialogue("form", data={"form": form_to_json(form), "answers": {}})
            intro = "\n".join(p for p in (form.title, form.intro) if p)
            out.append(Reply(text=intro + "\n" + _question(ctx, form.inputs[0])))
        elif options:
            ctx.begin_dialogue("choice", data={"options": options})
            out.append(Reply(text=ctx.t(_("Answer with a number to choose (or cancel)."))))
        return out


def _question(ctx: Context, question: Input) -> str:
    lines = [question.label + ("" if question.required else ctx.t(_(" (optional: - to skip)")))]
    lines += [f"  {i}. {label}" for i, (_v, label) in enumerate(question.options, 1)]
    return "\n".join(lines)


def _option_value(ctx: Context, question: Input, text: str) -> str:
    if question.kind != "select" or not question.options:
        return text
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    if folded.isdigit() and 1 <= int(folded) <= len(question.options):
        return question.options[int(folded) - 1][0]
    for value, label in question.options:
        if folded in (value.lower(), label.lower()):
            return value
    raise InvalidInput(_("Please choose one of the numbers 1 to {n}.", n=len(question.options)))


def wants_reason(action: CardAction, capabilities: Capabilities) -> bool:
    """A tapped button that needs a reason, on a platform without forms (WeCom, DingTalk),
    and no reason given yet: the adapter marks such taps with ``needs_reason`` in
    ``message_ref``; the reason is then asked for in the chat."""
    ref = action.message_ref or {}
    return (not capabilities.forms and bool(ref.get("needs_reason"))
            and not str(action.form.get("reason", "")).strip())


def reason_button(action: CardAction) -> Button:
    ref = action.message_ref or {}
    return Button(str(ref.get("label") or action.action_id), action.action_id,
                  dict(action.value), needs_reason=True, prompt=ref.get("prompt"))


def tap_key(action: CardAction, actor: Actor) -> str:
    """What makes two taps the same: who, on which message, which action with which values
    (a corrected form is a different tap)."""
    what = json.dumps([actor.person_id, dict(action.message_ref or {}), action.action_id,
                       dict(action.value), dict(action.form)], sort_keys=True, default=str)
    return "tap:" + hashlib.sha256(what.encode()).hexdigest()[:48]


def error_reply(message: Text, locale: str) -> Reply:
    """A localized error as a reply."""
    return Reply(text="⚠️ " + message.render(locale), ephemeral=True)


