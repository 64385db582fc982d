"""Domain errors. Each carries a localisable message and a stable code; raising one inside a
unit of work rolls the whole change back, so bad input changes nothing."""

from __future__ import annotations

from typing import Any

from credit_domain.i18n import Text


class DomainError(Exception):
    """Base of every error the domain reports to a person."""

    code = "error"

    def __init__(self, message: Text, **details: Any) -> None:
        super().__init__(str(message))
        self.message = message
        self.details = details

    def localized(self, locale: str | None) -> str:
        return self.message.render(locale)


class InvalidInput(DomainError):
    """The input cannot be understood or breaks a rule of form (amount, USCC, date…)."""

    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    """The actor may not do this (role, business unit, ownership, segregation of duties)."""

    code = "forbidden"


class Conflict(DomainError):
    """The state moved on (already decided, version changed, duplicate)."""

    code = "conflict"


class CreditRefused(DomainError):
    """A reservation or order does not fit the customer's available credit."""

    code = "credit_refused"
