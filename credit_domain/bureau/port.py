"""The bureau port: how the domain asks an external company-data provider about a company.

Implementations live in :mod:`credit_domain.bureau.tianyancha` and
:mod:`credit_domain.bureau.qichacha` (real HTTP clients); ``bot`` picks one from the settings
and installs it as ``domain.ports["bureau"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from credit_domain.bureau.report import BureauReport


@dataclass(frozen=True)
class CompanyRef:
    """Who to look up: the legal name, and the USCC when known (preferred as the keyword)."""

    name: str
    uscc: str | None = None

    @property
    def keyword(self) -> str:
        return self.uscc or self.name


class BureauUnavailable(Exception):
    """The provider could not answer (after retries). ``permanent`` failures (bad
    credentials, no permission, no balance) will not succeed on retry."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class CompanyNotFound(Exception):
    """The provider knows no company by that keyword."""


class BureauProvider(Protocol):
    """A source of company records (basics, lawsuits, enforcement, dishonest-debtor listings,
    equity freezes, abnormal operations)."""

    name: str

    def fetch(self, company: CompanyRef) -> BureauReport:
        """The provider's current record of ``company``; raises :class:`CompanyNotFound` or
        :class:`BureauUnavailable`."""
        ...
