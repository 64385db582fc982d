"""What is wrong with a record, field by field, in the reader's language.

Records from the ERP API and from import files are validated by the same pydantic models
(``credit_domain.ledger.records``); :func:`problems_from` turns a ``ValidationError`` into
located, localizable problems, and :func:`field_error` lets a validator raise a domain
message (:class:`~credit_domain.i18n.Text`) that keeps its translation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from credit_domain.errors import DomainError, InvalidInput
from credit_domain.i18n import Text, text_factory

_ = text_factory("credit_domain")
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldProblem:
    """One field of one record that was refused, and why."""

    loc: Loc
    message: Text

    @property
    def field(self) -> str:
        """The location as people read it: ``records[3].amount``."""
        out = ""
        for part in self.loc:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out

    def to_json(self, locale: str | None) -> dict[str, Any]:
        return {"loc": list(self.loc), "field": self.field, "msg": self.message.render(locale)}


class RecordRejected(InvalidInput):
    """One or more fields were refused; nothing was changed."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        listing = "; ".join(f"{p.field}: {p.message}" for p in self.problems)
        super().__init__(_("Rejected: {problems}", problems=listing))


def field_error(message: Text) -> PydanticCustomError:
    """An error for a pydantic validator that carries a translatable message."""
    return PydanticCustomError("creditbot", "{message}", {"message": str(message),
                                                         "text": message})


def reject(loc: Loc, message: Text) -> RecordRejected:
    return RecordRejected([FieldProblem(loc, message)])


def located(error: DomainError, loc: Loc) -> RecordRejected:
    """A domain error about one field, as a rejection of that field."""
    if isinstance(error, RecordRejected):
        return RecordRejected([FieldProblem(loc + p.loc, p.message) for p in error.problems])
    return reject(loc, error.message)


def message_for(err: Any) -> Text:
    """A pydantic error dict as a translatable message."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if isinstance(ctx.get("text"), Text):
        return ctx["text"]  # type: ignore[no-any-return]
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        return _("This field may not be empty.")
    if kind == "string_too_long":
        return _("At most {max} characters.", max=ctx.get("max_length"))
    if kind.startswith(("int_", "decimal_")):
        return _("A number is required.")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _("Out of range: {detail}", detail=err["msg"])
    if kind.startswith(("date_", "datetime_")):
        return _("Not a date; write it as 2026-03-31.")
    return _("{message}", message=err["msg"])


def problems_from(exc: ValidationError, prefix: Loc = ()) -> list[FieldProblem]:
    """Every problem of a pydantic validation error, located below ``prefix``."""
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        problems.append(FieldProblem(prefix + loc, message_for(err)))
    return problems
