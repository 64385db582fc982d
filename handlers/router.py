"""The conversation registry: conversations register their commands, card actions, dialogue
steps, notification renderers, suggestion sources and App Home sections here once, and every
platform (Slack, WeCom, DingTalk, the emulator, the terminal) reaches them the same way.

    from handlers.router import Args, Context, router

    @router.command("credit", aliases=["额度", "授信"], usage=_("credit CUSTOMER"),
                    summary=_("A customer's limit, exposure and available credit"))
    def credit(ctx: Context, args: Args) -> Reply: ...

    @router.action("credit.show")
    def show(ctx: Context, action: CardAction) -> Reply: ...

    @router.notification("application.submitted")
    def submitted(payload: Mapping[str, Any], rc: RenderContext) -> Reply: ...

Handlers receive a :class:`Context` (the person as an :class:`~credit_domain.access.Actor`,
their language, the platform's capabilities, database access) and return a
:class:`~bot.messages.Reply`, a list of them, or None. A :class:`DomainError` raised by a
handler becomes a localized error reply and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.messages import Capabilities, CardAction, Envelope, Reply, Section
from credit_domain.access import Actor
from credit_domain.bootstrap import Domain
from credit_domain.conversations import state
from credit_domain.errors import InvalidInput
from credit_domain.i18n import Text, text_factory
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("handlers")

Replies = Reply | Sequence[Reply] | None
F = TypeVar("F", bound=Callable[..., Any])

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPACES = re.compile(r"\s+")


class WebLinks(Protocol):
    """Addresses of creditbot's web pages for chat cards, made by the web layer (``bot``):
    absolute, and signed for the person they are made for."""

    def sign_in(self, person_id: int, next_path: str) -> str:
        """A one-time sign-in link that opens ``next_path`` (e.g. ``/dashboard``)."""
        ...

    def aging_chart(self, person_id: int, scope: str, as_of: dt.date, months: int,
                    locale: str) -> str:
        """The aging chart PNG of ``scope`` as ``person_id`` may see it."""
        ...


@dataclass(frozen=True)
class Context:
    """Everything a handler may use for one inbound message or card action."""

    domain: Domain
    actor: Actor
    envelope: Envelope
    locale: str
    capabilities: Capabilities
    router: Router
    public_url: str = ""
    web: WebLinks | None = None  # None: no web server (terminal, tests)

    @property
    def person_id(self) -> int:
        assert self.actor.person_id is not None
        return self.actor.person_id

    def t(self, text: Text) -> str:
        """``text`` in the reader's language."""
        return text.render(self.locale)

    def now(self) -> dt.datetime:
        return self.domain.clock.now()

    def link(self, path: str) -> str:
        """An absolute address of a page of creditbot's web UI."""
        return self.public_url.rstrip("/") + "/" + path.lstrip("/")

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.domain.read() as session:
            yield session

    def uow(self) -> UnitOfWork:
        """A unit of work acting as this person (commit it yourself)."""
        return self.domain.uow(self.actor)

    # -- dialogues (step-by-step conversations) ----------------------------------------------
    @property
    def where(self) -> state.Where:
        e = self.envelope
        return state.Where(e.platform, e.tenant, e.conversation_id, self.person_id)

    def begin_dialogue(self, flow: str, step: str = "", data: dict[str, Any] | None = None,
                       ttl: dt.timedelta = state.DEFAULT_TTL) -> None:
        """Send this person's next message in this conversation to ``@router.flow(flow)``
        (until it ends the dialogue, the person sends ``cancel`` or ``ttl`` passes)."""
        with self.domain.uow(self.actor) as uow:
            state.begin(uow, self.where, flow, step, data, ttl)
            uow.commit()

    def end_dialogue(self) -> None:
        with self.domain.uow(self.actor) as uow:
            state.end(uow, self.where)
            uow.commit()


@dataclass(frozen=True)
class RenderContext:
    """Who a notification is rendered for: their language, and where it goes."""

    locale: str
    domain: Domain | None = None
    public_url: str = ""
    person_id: int | None = None
    channel: str | None = None
    platform: str = ""
    capabilities: Capabilities = field(default_factory=Capabilities)

    def t(self, text: Text) -> str:
        return text.render(self.locale)

    def link(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.public_url.rstrip("/") + "/" + path.lstrip("/")


@dataclass(frozen=True)
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    handler: Callable[[Context, Args], Replies]
    usage: Text | None = None
    summary: Text | None = None
    examples: tuple[str, ...] = ()
    hidden: bool = False
    order: int = 100

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def display_name(self, locale: str) -> str:
        """The name to show a reader: the first Chinese alias for Chinese readers."""
        if locale.startswith("zh"):
            for alias in self.aliases:
                if _CJK.search(alias):
                    return alias
        return self.name


@dataclass(frozen=True)
class Args:
    """What followed the command word. ``words`` splits on any whitespace (full-width too)
    and keeps "quoted phrases" together."""

    text: str
    command: CommandSpec

    @property
    def words(self) -> tuple[str, ...]:
        found = re.findall(r'"([^"]*)"|“([^”]*)”|(\S+)', self.text)
        return tuple(next(part for part in groups if part) for groups in found
                     if any(groups))

    def require(self) -> str:
        """The text, or a usage error when nothing followed the command."""
        if not self.text:
            raise UsageError(self.command)
        return self.text


class UsageError(InvalidInput):
    """A command without what it needs; the message shows how to use it."""

    def __init__(self, command: CommandSpec, problem: Text | None = None) -> None:
        usage = command.usage or Text(command.name, "handlers")
        message = (_("{problem} Usage: {usage}", problem=problem, usage=usage) if problem
                   else _("Usage: {usage}", usage=usage))
        super().__init__(message)


@dataclass(frozen=True)
class HomeSectionSpec:
    name: str
    order: int
    build: Callable[[Context], Section | None]
    placeholder: bool


Renderer = Callable[[Mapping[str, Any], RenderContext], Reply]
Suggest = Callable[[Context, str], list[tuple[str, str]]]


class Router:
    """See the module docstring."""

    def __init__(self) -> None:
        self.commands: dict[str, CommandSpec] = {}
        self._words: dict[str, CommandSpec] = {}
        self.actions: dict[str, Callable[[Context, CardAction], Replies]] = {}
        self.flows: dict[str, Callable[[Context, state.Dialogue, str], Replies]] = {}
        self.renderers: dict[str, Renderer] = {}
        self.generic_renderer: Callable[[str, Mapping[str, Any], RenderContext], Reply] | None \
            = None
        self.suggestions: dict[str, Suggest] = {}
        self.home_sections: dict[str, HomeSectionSpec] = {}

    # -- registration ------------------------------------------------------------------------
    def command(self, name: str, *, aliases: Sequence[str] = (), usage: Text | None = None,
                summary: Text | None = None, examples: Sequence[str] = (),
                hidden: bool = False, order: int = 100) -> Callable[[F], F]:
        """Register a text command under ``name`` and its ``aliases`` (any language; a
        Chinese alias also matches without a space before its argument: ``额度华为``)."""

        def register(fn: F) -> F:
            spec = CommandSpec(name, tuple(aliases), fn, usage, summary, tuple(examples),
                               hidden, order)
            for word in spec.words:
                key = _fold(word)
                if key in self._words:
                    raise ValueError(f"command word {word!r} is registered twice")
                self._words[key] = spec
            self.commands[name] = spec
            return fn

        return register

    def action(self, action_id: str) -> Callable[[F], F]:
        """Register the handler of a card action (a button's ``action_id``)."""
        return self._register(self.actions, action_id, "action")

    def flow(self, name: str) -> Callable[[F], F]:
        """Register the continuation of a dialogue begun with ``ctx.begin_dialogue(name)``:
        called as ``fn(ctx, dialogue, text)`` with the person's next message."""
        return self._register(self.flows, name, "flow")

    def notification(self, kind: str) -> Callable[[F], F]:
        """Register the renderer of an outbox message kind: ``fn(payload, rc) -> Reply``.
        Kinds without one are rendered from the standard payload keys."""
        return self._register(self.renderers, kind, "notification renderer")

    def suggest(self, kind: str) -> Callable[[F], F]:
        """Register typeahead for form inputs of ``kind``: ``fn(ctx, query)`` returns
        ``[(value, label), …]``."""
        return self._register(self.suggestions, kind, "suggestion source")

    def home_section(self, name: str, *, order: int = 100,
                     placeholder: bool = False) -> Callable[[F], F]:
        """Register a section of the home screen (Slack's App Home). A placeholder gives way
        to a later registration under the same name."""

        def register(fn: F) -> F:
            existing = self.home_sections.get(name)
            if existing is not None and not existing.placeholder:
                if placeholder:
                    return fn
                raise ValueError(f"home section {name!r} is registered twice")
            self.home_sections[name] = HomeSectionSpec(name, order, fn, placeholder)
            return fn

        return register

    @staticmethod
    def _register(table: dict[str, Any], key: str, what: str) -> Callable[[F], F]:
        def register(fn: F) -> F:
            if key in table:
                raise ValueError(f"{what} {key!r} is registered twice")
            table[key] = fn
            return fn

        return register

    # -- dispatch ----------------------------------------------------------------------------
    def match(self, text: str) -> tuple[CommandSpec, str] | None:
        """The command ``text`` starts with and the rest of the text, or None."""
        folded = _fold(text)
        for word in sorted(self._words, key=len, reverse=True):
            if folded == word:
                return self._words[word], ""
            if folded.startswith(word) and (folded[len(word)].isspace()
                                            or _CJK.search(word[-1])):
                return self._words[word], _strip(text)[len(word):].strip()
        return None

    def dispatch_command(self, ctx: Context, text: str, *,
                         default: str | None = None) -> list[Reply]:
        """Run the command ``text`` names. ``default`` names the command to run with the
        whole text when it starts with no known command (``/credit 华为``)."""
        text = _strip(text)
        found = self.match(text)
        if found is None and default is not None and text:
            found = (self.commands[default], text)
        if found is None:
            raise UnknownCommand(self, text)
        spec, rest = found
        return as_list(spec.handler(ctx, Args(rest, spec)))

    def dispatch_action(self, ctx: Context, action: CardAction) -> list[Reply]:
        handler = self.actions.get(action.action_id)
        if handler is None:
            raise InvalidInput(_("This button is no longer supported; please ask again."))
        return as_list(handler(ctx, action))

    def continue_flow(self, ctx: Context, dialogue: state.Dialogue, text: str) -> list[Reply]:
        return as_list(self.flows[dialogue.flow](ctx, dialogue, text))

    def render_notification(self, kind: str, payload: Mapping[str, Any],
                            rc: RenderContext) -> Reply:
        """The message of an outbox payload for one reader."""
        renderer = self.renderers.get(kind)
        if renderer is not None:
            return renderer(payload, rc)
        if self.generic_renderer is None:
            raise LookupError("no generic notification renderer is installed")
        return self.generic_renderer(kind, payload, rc)

    def home(self, ctx: Context) -> list[Section]:
        sections = []
        for spec in sorted(self.home_sections.values(), key=lambda s: (s.order, s.name)):
            section = spec.build(ctx)
            if section is not None:
                sections.append(section)
        return sections

    def visible_commands(self) -> list[CommandSpec]:
        return sorted((c for c in self.commands.values() if not c.hidden),
                      key=lambda c: (c.order, c.name))

    def closest_word(self, word: str) -> str | None:
        close = difflib.get_close_matches(_fold(word), list(self._words), n=1, cutoff=0.6)
        return close[0] if close else None


class UnknownCommand(InvalidInput):
    """Text that starts with no registered command."""

    def __init__(self, router: Router, text: str) -> None:
        first = text.split()[0] if text.split() else text
        guess = router.closest_word(first) if first else None
        if guess:
            message = _("I don't know “{word}”. Did you mean “{guess}”? Send help to see what "
                        "I can do.", word=first, guess=guess)
        else:
            message = _("I don't know “{word}”. Send help to see what I can do.",
                        word=first[:40])
        super().__init__(message)


def as_list(replies: Replies) -> list[Reply]:
    if replies is None:
        return []
    if isinstance(replies, Reply):
        return [replies]
    return list(replies)


def _strip(text: str) -> str:
    s = unicodedata.normalize("NFKC", text or "").strip()
    return _SPACES.sub(" ", s.lstrip("/").strip())


def _fold(text: str) -> str:
    return _strip(text).lower()


router = Router()
"""The registry every conversation module registers on (see ``handlers.conversations``)."""
