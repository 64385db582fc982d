"""Hashing and verification of the audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.audit.models import AuditEvent

GENESIS = "0" * 64


def canonical_json(value: Any) -> str | None:
    """Deterministic JSON (sorted keys, no spaces; Decimals and dates as strings)."""
    if value is None:
        return None

    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, dt.datetime | dt.date):
            return o.isoformat()
        if hasattr(o, "value"):  # enums
            return o.value
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=default)


@dataclass
class ChainLink:
    """An audit event being written: the fields its hash covers (a stored
    :class:`AuditEvent` has the same)."""

    chain: str
    seq: int
    occurred_at: dt.datetime
    business_unit_id: int | None
    actor_id: int | None
    actor_label: str
    action: str
    entity_type: str
    entity_id: str
    reason: str | None
    before: str | None
    after: str | None
    prev_hash: str


def event_hash(e: ChainLink | AuditEvent) -> str:
    """SHA-256 over the event's fields and its predecessor's hash."""
    fields = [
        e.chain,
        str(e.seq),
        e.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "" if e.business_unit_id is None else str(e.business_unit_id),
        "" if e.actor_id is None else str(e.actor_id),
        e.actor_label,
        e.action,
        e.entity_type,
        e.entity_id,
        e.reason or "",
        e.before or "",
        e.after or "",
        e.prev_hash,
    ]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """Result of walking chains: how many events checked, and the first broken link if any."""

    checked: int
    heads: dict[str, str]
    broken_chain: str | None = None
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_chain is None


def verify_chains(session: Session, batch: int = 5000) -> ChainReport:
    """Walk every chain in order and report the first event whose hash or link is wrong."""
    chains = session.scalars(select(AuditEvent.chain).distinct().order_by(AuditEvent.chain)).all()
    checked = 0
    heads: dict[str, str] = {}
    for chain in chains:
        prev, expected_seq, last_seq = GENESIS, 1, 0
        while True:
            rows = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.chain == chain, AuditEvent.seq > last_seq)
                .order_by(AuditEvent.seq)
                .limit(batch)
            ).all()
            if not rows:
                break
            for e in rows:
                checked += 1
                problem = None
                if e.seq != expected_seq:
                    problem = f"sequence gap: expected {expected_seq}, found {e.seq}"
                elif e.prev_hash != prev:
                    problem = "link to the previous event does not match"
                elif event_hash(e) != e.hash:
                    problem = "content does not match its hash (edited)"
                if problem:
                    return ChainReport(checked, heads, chain, e.seq, e.id, problem)
                prev, expected_seq, last_seq = e.hash, e.seq + 1, e.seq
            session.expunge_all()
        heads[chain] = prev
    return ChainReport(checked, heads)
