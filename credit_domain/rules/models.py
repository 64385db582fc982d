"""Every time a rule fired: what it did, action by action (also the memory of cooldowns)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from credit_domain.db.base import Base
from credit_domain.db.types import UTCDateTime


class RuleFiring(Base):
    __tablename__ = "rule_firings"
    __table_args__ = (
        Index("ix_rule_firings_recent", "business_unit_id", "rule", "account_id", "fired_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"))
    rule: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("credit_accounts.id"))
    fired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # [{"action": "notify", "status": "done" | "unchanged" | "not_available" | "failed",
    #   "detail": Text JSON}, …]; a condition that failed to evaluate: one "condition" entry.
    outcomes: Mapped[list[Any]] = mapped_column(JSON)
