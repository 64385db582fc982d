"""The cards creditbot sent and may update: one row per copy (per recipient), keyed by the
platform's handle (WeCom ``task_id``, DingTalk ``outTrackId``) and by what the card shows
(``Card.key``, e.g. ``application:42``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from credit_domain.bootstrap import Domain
from credit_domain.platforms.models import PlatformMessage
from credit_domain.unit_of_work import ActorRef

ACTOR = ActorRef.system("platform-messages")


@dataclass(frozen=True)
class SentCard:
    id: int
    platform: str
    recipient: str
    handle: str
    card_key: str | None
    message_id: str | None
    buttons: tuple[Mapping[str, Any], ...]
    extra: Mapping[str, Any]
    person_id: int | None
    has_response_code: bool

    @classmethod
    def of(cls, row: PlatformMessage, now: dt.datetime) -> SentCard:
        usable = bool(row.response_code) and (row.response_code_expires_at is None
                                              or row.response_code_expires_at > now)
        return cls(row.id, row.platform, row.recipient, row.handle, row.card_key,
                   row.message_id, tuple(row.buttons or ()), dict(row.extra or {}),
                   row.person_id, usable)


class SentCards:
    """Record sent cards, find them again, and hand out WeCom's single-use response codes."""

    def __init__(self, domain: Domain, platform: str) -> None:
        self._domain = domain
        self.platform = platform

    def record(self, *, recipient: str, handle: str, card_key: str | None,
               buttons: Sequence[Mapping[str, Any]] = (), message_id: str | None = None,
               response_code: str | None = None, response_code_ttl: dt.timedelta | None = None,
               extra: Mapping[str, Any] | None = None, person_id: int | None = None,
               outbox_id: int | None = None) -> None:
        now = self._domain.clock.now()
        with self._domain.uow(ACTOR) as uow:
            uow.session.add(PlatformMessage(
                platform=self.platform, recipient=recipient, handle=handle, card_key=card_key,
                message_id=message_id, response_code=response_code,
                response_code_expires_at=now + response_code_ttl if response_code_ttl else None,
                buttons=[dict(b) for b in buttons], extra=dict(extra or {}),
                person_id=person_id, outbox_id=outbox_id, created_at=now, updated_at=now))
            uow.commit()

    def by_handle(self, handle: str) -> SentCard | None:
        with self._domain.read() as session:
            row = session.scalar(select(PlatformMessage).where(
                PlatformMessage.platform == self.platform, PlatformMessage.handle == handle))
            return SentCard.of(row, self._domain.clock.now()) if row else None

    def copies(self, card_key: str, recipient: str | None = None) -> list[SentCard]:
        """Every copy of the card ``card_key`` (optionally only ``recipient``'s), oldest
        first."""
        stmt = select(PlatformMessage).where(PlatformMessage.platform == self.platform,
                                             PlatformMessage.card_key == card_key)
        if recipient is not None:
            stmt = stmt.where(PlatformMessage.recipient == recipient)
        with self._domain.read() as session:
            now = self._domain.clock.now()
            return [SentCard.of(r, now) for r in session.scalars(stmt.order_by(PlatformMessage.id))]

    def renew_response_code(self, handle: str, code: str, ttl: dt.timedelta) -> None:
        """A callback brought a fresh code for this copy (it supersedes the stored one)."""
        now = self._domain.clock.now()
        with self._domain.uow(ACTOR) as uow:
            uow.session.execute(update(PlatformMessage).where(
                PlatformMessage.platform == self.platform, PlatformMessage.handle == handle,
            ).values(response_code=code, response_code_expires_at=now + ttl, updated_at=now))
            uow.commit()

    def take_response_code(self, card_id: int) -> str | None:
        """Claim this copy's response code for one update: at most one process gets it, and
        only while it is valid."""
        now = self._domain.clock.now()
        with self._domain.uow(ACTOR) as uow:
            row = uow.session.get(PlatformMessage, card_id)
            if row is None or not row.response_code or (
                    row.response_code_expires_at is not None
                    and row.response_code_expires_at <= now):
                return None
            code = row.response_code
            result = cast(CursorResult[Any], uow.session.execute(update(PlatformMessage).where(
                PlatformMessage.id == card_id, PlatformMessage.response_code == code,
            ).values(response_code=None, updated_at=now)))
            claimed = result.rowcount
            uow.commit()
            return code if claimed == 1 else None

    def touch(self, card_id: int, *, buttons: Sequence[Mapping[str, Any]] | None = None,
              **extra: Any) -> None:
        """Remember what a copy shows now: its buttons' meanings (when they changed) and
        anything else (e.g. ``shows="Approved"``)."""
        now = self._domain.clock.now()
        with self._domain.uow(ACTOR) as uow:
            row = uow.session.get(PlatformMessage, card_id)
            if row is not None:
                row.extra = {**(row.extra or {}), **extra}
                if buttons is not None:
                    row.buttons = [dict(b) for b in buttons]
                row.updated_at = now
            uow.commit()
