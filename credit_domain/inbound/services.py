"""Claiming inbound events: the first delivery of an event id wins, every retry finds it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from credit_domain.inbound.models import ProcessedEvent
from credit_domain.unit_of_work import UnitOfWork


def claim(uow: UnitOfWork, platform: str, event_id: str) -> bool:
    """Record ``event_id`` as processed; False when it already was (a retried delivery, a
    replayed request). Commit the unit of work to make the claim visible to others."""
    dialect = uow.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(ProcessedEvent)
        .values(platform=platform, event_id=event_id[:255], received_at=uow.now())
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
        .returning(ProcessedEvent.id)
    )
    return uow.session.execute(stmt).scalar() is not None


def claim_once_within(uow: UnitOfWork, platform: str, key: str, window: dt.timedelta) -> bool:
    """Claim ``key`` unless it was claimed less than ``window`` ago: the second of two
    identical taps in quick succession (a double tap) loses, a deliberate repeat later wins.
    Safe under concurrency: exactly one of simultaneous claimants wins."""
    if claim(uow, platform, key):
        return True
    now = uow.now()
    result = uow.session.execute(
        update(ProcessedEvent)
        .where(ProcessedEvent.platform == platform, ProcessedEvent.event_id == key[:255],
               ProcessedEvent.received_at < now - window)
        .values(received_at=now))
    return bool(getattr(result, "rowcount", 0))


def release(uow: UnitOfWork, platform: str, event_id: str) -> None:
    """Forget a claim (processing failed unexpectedly, so a retry may try again)."""
    uow.session.execute(delete(ProcessedEvent).where(
        ProcessedEvent.platform == platform, ProcessedEvent.event_id == event_id[:255]))


def was_claimed(uow: UnitOfWork, platform: str, event_id: str) -> bool:
    return uow.session.scalar(select(ProcessedEvent.id).where(
        ProcessedEvent.platform == platform, ProcessedEvent.event_id == event_id[:255])) is not None
