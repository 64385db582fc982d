"""Where the approval workflow plugs into the order check and the rules engine.

The workflow (credit applications and their approval) is its own feature; the order check and
the rules engine reach it only through these named ports in ``Domain.ports``, connected when
the workflow is installed (``credit_domain.applications.hooks``):

    domain.ports[OPEN_RELEASE_APPLICATION] = ports.open_release_application

Until a port is connected, the callers answer "not available" (the order check says so in its
answer, a rule records it in its firing and the audit trail); they never silently do nothing.
Every hook runs inside the caller's unit of work and returns without committing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from credit_domain.unit_of_work import UnitOfWork

OPEN_RELEASE_APPLICATION = "open_release_application"
OPEN_APPLICATION = "open_application"
DECIDE_APPLICATION = "decide_application"


class OpenReleaseApplication(Protocol):
    """Open an order-release application (订单放行) for a blocked order; return its
    reference (e.g. ``APP-2026-000042``). ``reasons`` are the block's reasons, in the
    business unit's language; the requester is the account's salesperson."""

    def __call__(self, uow: UnitOfWork, *, order_id: int, account_id: int, amount: Decimal,
                 reasons: Sequence[str], requester_id: int | None) -> str: ...


class OpenApplication(Protocol):
    """Open a (suggested) credit application: ``kind`` is ``increase``, ``decrease`` or
    ``temporary``; ``amount`` the limit asked; ``source`` says who suggests it
    (``rule:<name>``). ``grade`` is always None: the grade is the scorecard's, and the
    workflow refuses a grade application."""

    def __call__(self, uow: UnitOfWork, *, account_id: int, kind: str, amount: Decimal | None,
                 grade: str | None, reason: str, requester_id: int | None,
                 source: str) -> str: ...


class DecideApplication(Protocol):
    """Approve or reject an application automatically (``outcome``: ``approved`` or
    ``rejected``) with ``reason``; ``source`` says which rule decided."""

    def __call__(self, uow: UnitOfWork, *, application_id: int, outcome: str, reason: str,
                 source: str) -> None: ...


def hook(ports: Mapping[str, Any], name: str) -> Any | None:
    """The connected port ``name``, or None while the workflow is not connected."""
    return ports.get(name)
