"""Platform state shared by every creditbot process through the database.

- :class:`PlatformToken`: a platform API access token and when it expires. Every replica
  reads the same row, so one refresh serves them all and no process memory is the source of
  truth.
- :class:`PlatformMessage`: a card creditbot sent and may update later: which card it shows
  (``card_key``, e.g. ``application:42``), to whom, the platform's handle on it (WeCom
  ``task_id`` and single-use ``response_code``, DingTalk ``outTrackId``), and what each
  button means, per outbox message and person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from credit_domain.db.base import Base
from credit_domain.db.types import UTCDateTime


class PlatformToken(Base):
    __tablename__ = "platform_tokens"

    key: Mapped[str] = mapped_column(String(191), primary_key=True)  # "wecom:<corp>:<agent>"
    token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    refreshed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PlatformMessage(Base):
    __tablename__ = "platform_messages"
    __table_args__ = (
        UniqueConstraint("platform", "handle"),
        Index("ix_platform_messages_card", "platform", "card_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(128))  # user id or chat id
    # WeCom task_id / DingTalk outTrackId: what a button callback names the card by.
    handle: Mapped[str] = mapped_column(String(128))
    card_key: Mapped[str | None] = mapped_column(String(128))
    message_id: Mapped[str | None] = mapped_column(String(255))  # WeCom msgid
    response_code: Mapped[str | None] = mapped_column(Text)  # WeCom, single use, 72 hours
    response_code_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # What each button means: [{"action_id": "approve", "value": {...}}, ...]
    buttons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # open space, chat type
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
