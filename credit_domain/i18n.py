"""Localised text: messages are written in English in the code and translated from gettext
catalogs (``<package>/locales/<locale>/LC_MESSAGES/*.po``, managed with Babel).

A :class:`Text` is a message not yet rendered, so the domain can raise an error or write a
notification without knowing who will read it; the reader's locale renders it.
"""

from __future__ import annotations

import gettext
import importlib.resources
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "zh_CN")


def normalize_locale(value: str | None) -> str:
    """Map what people and platforms send (``zh``, ``zh-CN``, ``zh_Hans``, ``EN_us``) to a
    supported locale."""
    if not value:
        return DEFAULT_LOCALE
    v = value.replace("-", "_").lower()
    if v.startswith("zh"):
        return "zh_CN"
    return "en"


@lru_cache(maxsize=32)
def translations(package: str, locale: str) -> gettext.NullTranslations:
    """The compiled catalog of ``package`` for ``locale``: every ``*.po`` file in
    ``<package>/locales/<locale>/LC_MESSAGES/`` merged (one file per feature keeps parallel
    work from colliding), compiled in memory."""
    if locale == DEFAULT_LOCALE:
        return gettext.NullTranslations()
    folder = importlib.resources.files(package).joinpath("locales", locale, "LC_MESSAGES")
    if not folder.is_dir():
        return gettext.NullTranslations()
    merged: Catalog | None = None
    for resource in sorted(folder.iterdir(), key=lambda r: r.name):
        if not resource.name.endswith(".po"):
            continue
        with resource.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        if merged is None:
            merged = catalog
        else:
            for message in catalog:
                if message.id and message.string:
                    merged[message.id] = message
    if merged is None:
        return gettext.NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, merged, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@dataclass(frozen=True)
class Text:
    """A message to be rendered later in the reader's locale.

    ``params`` are formatted into the translated string with ``str.format``; a parameter may
    itself be a :class:`Text` (rendered in the same locale).
    """

    msgid: str
    package: str = "credit_domain"
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, locale: str | None = None) -> str:
        """The message in ``locale``; Text parameters render in the same locale and Decimal
        parameters as money (``¥200,000.00`` / ``¥20万``)."""
        from credit_domain.money import format_amount

        loc = normalize_locale(locale)
        template = translations(self.package, loc).gettext(self.msgid)
        values = {
            k: v.render(loc) if isinstance(v, Text)
            else format_amount(v, loc) if isinstance(v, Decimal) else v
            for k, v in self.params.items()
        }
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return self.msgid.format(**values)

    def to_json(self) -> dict[str, Any]:
        """A JSON form for outbox payloads; :meth:`from_json` restores it at delivery, so the
        message is rendered in each recipient's language."""

        def enc(v: Any) -> Any:
            if isinstance(v, Text):
                return {"$text": v.to_json()}
            if isinstance(v, Decimal):
                return {"$money": str(v)}
            return v

        return {"msgid": self.msgid, "package": self.package,
                "params": {k: enc(v) for k, v in self.params.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Text:
        def dec(v: Any) -> Any:
            if isinstance(v, Mapping) and "$text" in v:
                return cls.from_json(v["$text"])
            if isinstance(v, Mapping) and "$money" in v:
                return Decimal(v["$money"])
            return v

        return cls(str(data["msgid"]), str(data.get("package", "credit_domain")),
                   {k: dec(v) for k, v in dict(data.get("params", {})).items()})

    def __str__(self) -> str:
        return self.render(DEFAULT_LOCALE)


def text_factory(package: str) -> Callable[..., Text]:
    """Return the ``_`` marker of a package: ``_("Customer {name} not found", name=n)``.

    Babel's extractor recognises ``_`` calls, so the msgids land in the package's catalog.
    """

    def _(msgid: str, **params: Any) -> Text:
        return Text(msgid, package, params)

    return _
