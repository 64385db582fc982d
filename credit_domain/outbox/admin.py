"""Operating the outbox: list messages, send dead ones again, purge old ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import Person
from credit_domain.outbox.models import OutboxMessage, OutboxStatus
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")


@dataclass(frozen=True)
class MessageRow:
    id: int
    kind: str
    recipient: str  # a person's name or #channel
    status: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str | None
    payload: dict[str, Any]


def _status(value: str) -> OutboxStatus:
    try:
        return OutboxStatus(value)
    except ValueError:
        raise InvalidInput(_("Unknown outbox status {status}; known: {known}", status=value,
                             known=", ".join(s.value for s in OutboxStatus))) from None


def list_messages(session: Session, *, status: str | None = None, kind: str | None = None,
                  limit: int = 50) -> list[MessageRow]:
    """Newest first; ``status`` and ``kind`` (a prefix such as ``alert.``) narrow it."""
    stmt = (select(OutboxMessage, Person.name)
            .outerjoin(Person, Person.id == OutboxMessage.person_id)
            .order_by(OutboxMessage.id.desc()).limit(limit))
    if status:
        stmt = stmt.where(OutboxMessage.status == _status(status))
    if kind:
        stmt = stmt.where(OutboxMessage.kind.startswith(kind, autoescape=True))
    return [MessageRow(m.id, m.kind,
                       f"#{m.channel}" if m.channel else (name or f"person {m.person_id}"),
                       m.status, m.attempts, m.created_at, m.next_attempt_at, m.sent_at,
                       m.last_error, m.payload)
            for m, name in session.execute(stmt)]


def counts(session: Session) -> dict[str, int]:
    """Messages per status."""
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(
        OutboxMessage.status))
    return {str(status): int(n) for status, n in rows}


def retry_messages(uow: UnitOfWork, ids: Sequence[int] = (), *, all_dead: bool = False) -> int:
    """Send dead messages again (``ids``, or every dead one): they become pending, due now,
    with a fresh count of attempts. Returns how many."""
    if not ids and not all_dead:
        raise InvalidInput(_("Name the messages to retry, or retry every dead one."))
    where = OutboxMessage.status == OutboxStatus.DEAD
    if ids:
        where = where & OutboxMessage.id.in_(list(ids))
    n = uow.session.execute(
        update(OutboxMessage).where(where)
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=uow.now(),
                lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if n:
        uow.audit("outbox.retried", "outbox", ",".join(map(str, ids)) or "dead",
                  business_unit_id=None, after={"messages": n})
    return int(n)


def purge_messages(uow: UnitOfWork, *, older_than: dt.timedelta,
                   statuses: Sequence[str] = ("sent",)) -> int:
    """Delete sent (and, when asked, dead) messages created before ``older_than`` ago.
    Pending messages are never purged. Returns how many."""
    chosen = [_status(s) for s in statuses]
    if OutboxStatus.PENDING in chosen:
        raise InvalidInput(_("Pending messages are never purged; they are still to be sent."))
    cutoff = uow.now() - older_than
    n = uow.session.execute(
        delete(OutboxMessage).where(OutboxMessage.status.in_(chosen),
                                    OutboxMessage.created_at < cutoff)
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if n:
        uow.audit("outbox.purged", "outbox", "-", business_unit_id=None,
                  after={"messages": n, "statuses": [s.value for s in chosen],
                         "before": cutoff})
    return int(n)
