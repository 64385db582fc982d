"""Rows of the conversation layer. Nothing here is a credit decision; the decisions live in
their features and reach chat through the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from credit_domain.db.base import Base
from credit_domain.db.types import UTCDateTime


class ConversationState(Base):
    """A dialogue in progress with one person in one conversation: a numbered choice on a
    text-only platform, a reason being asked, a form asked question by question, or a
    conversation's own steps. It expires; a new command or ``cancel`` ends it."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("platform", "tenant", "conversation_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    tenant: Mapped[str] = mapped_column(String(64), default="")
    conversation_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    flow: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SentMessage(Base):
    """A message creditbot posted on a platform: what identifies it there (to update a card
    in place later, e.g. an approval card once someone decided) and which outbox message it
    delivered (a retried delivery skips the platforms it already reached)."""

    __tablename__ = "sent_messages"
    __table_args__ = (
        UniqueConstraint("outbox_id", "platform", "conversation_id"),
        Index("ix_sent_messages_card", "card_key", "platform"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    tenant: Mapped[str] = mapped_column(String(64), default="")
    conversation_id: Mapped[str] = mapped_column(String(160))  # channel / DM / emulator feed
    message_id: Mapped[str] = mapped_column(String(128))  # Slack ts, emulator message id, …
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(128))  # the named channel, if any
    card_key: Mapped[str | None] = mapped_column(String(128))
    locale: Mapped[str] = mapped_column(String(8))
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class EmulatorMessage(Base):
    """One message in the web emulator: a person's direct conversation with the bot
    (``feed = "dm:<person id>"``) or a channel feed (``feed = "channel:<name>"``)."""

    __tablename__ = "emulator_messages"
    __table_args__ = (Index("ix_emulator_messages_feed", "feed", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed: Mapped[str] = mapped_column(String(160))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    business_unit_id: Mapped[int | None] = mapped_column(ForeignKey("business_units.id"))
    from_bot: Mapped[bool] = mapped_column(default=True)
    text: Mapped[str | None] = mapped_column(Text)
    card: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    form: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    card_key: Mapped[str | None] = mapped_column(String(128), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped by in-place updates
