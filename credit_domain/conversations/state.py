"""Dialogue state: at most one open dialogue per person and conversation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from credit_domain.conversations.models import ConversationState
from credit_domain.unit_of_work import UnitOfWork

DEFAULT_TTL = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Where:
    """A person in a conversation on a platform."""

    platform: str
    tenant: str
    conversation_id: str
    person_id: int


@dataclass(frozen=True)
class Dialogue:
    flow: str
    step: str
    data: dict[str, Any]


def _select(where: Where) -> Select[ConversationState]:
    return select(ConversationState).where(
        ConversationState.platform == where.platform,
        ConversationState.tenant == where.tenant,
        ConversationState.conversation_id == where.conversation_id,
        ConversationState.person_id == where.person_id)


def _row(uow: UnitOfWork, where: Where) -> ConversationState | None:
    return uow.session.scalar(_select(where))


def current(session: Session, where: Where, now: dt.datetime) -> Dialogue | None:
    """The open dialogue at ``now``, or None (an expired one counts as none)."""
    row = session.scalar(_select(where))
    if row is None or row.expires_at <= now:
        return None
    return Dialogue(row.flow, row.step, dict(row.data))


def begin(uow: UnitOfWork, where: Where, flow: str, step: str = "",
          data: dict[str, Any] | None = None, ttl: dt.timedelta = DEFAULT_TTL) -> None:
    """Open (or replace) the dialogue of ``where``."""
    now = uow.now()
    row = _row(uow, where)
    if row is None:
        row = ConversationState(platform=where.platform, tenant=where.tenant,
                                conversation_id=where.conversation_id,
                                person_id=where.person_id)
        uow.session.add(row)
    row.flow, row.step, row.data = flow, step, dict(data or {})
    row.updated_at, row.expires_at = now, now + ttl


def end(uow: UnitOfWork, where: Where) -> bool:
    """Close the dialogue of ``where``; True when one was open."""
    result = uow.session.execute(delete(ConversationState).where(
        ConversationState.platform == where.platform,
        ConversationState.tenant == where.tenant,
        ConversationState.conversation_id == where.conversation_id,
        ConversationState.person_id == where.person_id))
    return bool(getattr(result, "rowcount", 0))
