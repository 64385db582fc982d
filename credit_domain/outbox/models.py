"""Outbox rows: one notification for one recipient (a person or a named channel).

The payload is neutral JSON; ``handlers`` renders it into a card in the recipient's language
at delivery, and ``bot`` sends it on each platform. A kind may have its own renderer (the
approval card with its buttons); every other kind is rendered from these standard keys, so
a new alert needs no chat code:

- ``title``: a :class:`~credit_domain.i18n.Text` as JSON (``Text.to_json()``);
- ``tone``: ``info`` | ``ok`` | ``warn`` | ``danger``;
- ``lines``: a list of Text JSON (paragraphs);
- ``fields``: a list of ``{"label": Text JSON, "value": Text JSON or plain string}``;
- ``link``: an optional path in creditbot's web UI (``/customers/12``, built by
  ``credit_domain.customers.links.customer_path``; ``/applications/APP-2026-000123``);
- anything else the kind's own renderer needs (ids, amounts as strings).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from credit_domain.db.base import Base
from credit_domain.db.types import UTCDateTime


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # gave up after the bounded number of attempts; `creditbot outbox retry`


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(64))  # e.g. "application.submitted"
    business_unit_id: Mapped[int | None] = mapped_column(ForeignKey("business_units.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[str | None] = mapped_column(String(128))  # a named channel of the policy
    platform: Mapped[str | None] = mapped_column(String(16))  # None: every platform reachable
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # What the platform returned (message ts / msgid / response_code), for later updates.
    delivery_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The dispatcher that claimed the message and until when (see outbox.dispatcher): while
    # the lease runs no other dispatcher takes it; an expired lease means its sender died.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @classmethod
    def due(cls, now: dt.datetime) -> ColumnElement[bool]:
        """Still to be delivered and its next attempt has come (whether or not a dispatcher
        holds its lease right now)."""
        return (cls.status == OutboxStatus.PENDING) & (cls.next_attempt_at <= now)
