"""The outbox dispatcher: claims due messages, hands each to the :class:`Notifier`, marks it
sent with the platform's delivery reference, retries failures with exponential backoff and
jitter, and moves a message to dead-letter after a bounded number of attempts.

Claiming is one short transaction: due rows are selected ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (concurrent dispatchers take disjoint batches without waiting on each other; on
SQLite the ``BEGIN IMMEDIATE`` write lock serialises claims) and stamped with a lease (owner
and expiry). Sending happens outside any transaction; each message is then marked in its own
short transaction, only if this dispatcher still holds its lease.

Delivery is exactly once except in one window: a process that dies after the platform
accepted a message and before the mark committed leaves the message leased; when the lease
expires another dispatcher sends it again (at-least-once). Marking each message right after
its own send keeps that window to one message and a few milliseconds, and the lease
(longer than any send may take) keeps a slow send from being taken over while it runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from credit_domain.bootstrap import Domain
from credit_domain.outbox.models import OutboxMessage, OutboxStatus
from credit_domain.outbox.port import DeliveryFailed, Notifier, OutgoingMessage
from credit_domain.unit_of_work import ActorRef

log = logging.getLogger(__name__)
ACTOR = ActorRef.system("dispatcher")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon a failed message is tried again."""

    max_attempts: int = 12
    base_delay: float = 15.0  # seconds before the first retry
    max_delay: float = 3600.0  # the backoff stops doubling here
    jitter: float = 0.5  # this share of each delay is drawn at random

    def delay(self, attempts: int, rng: random.Random) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        raw: float = min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1))
        return raw * (1 - self.jitter) + rng.uniform(0, raw * self.jitter)


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    lease_lost: int = 0  # sent, but another dispatcher had taken the message over
    waiting_for_notifier: bool = False


@dataclass
class Dispatcher:
    """Delivers the outbox (see module docstring). ``notifier`` is looked up before each
    batch, so a notifier configured later is used at once; without one nothing is claimed
    and messages wait."""

    domain: Domain
    notifier: Callable[[], Notifier | None]
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    lease_seconds: float = 120.0
    batch_size: int = 20
    owner: str = field(default_factory=lambda: f"{socket.gethostname()[:40]}:{os.getpid()}:"
                                               f"{uuid.uuid4().hex[:6]}")
    rng: random.Random = field(default_factory=random.Random)
    _claims: itertools.count[int] = field(default_factory=itertools.count, init=False)
    _warned: bool = field(default=False, init=False)

    def run_once(self) -> DispatchReport:
        """Claim one batch of due messages and deliver each."""
        report = DispatchReport()
        notifier = self.notifier()
        if notifier is None:
            report.waiting_for_notifier = True
            if not self._warned:
                self._warned = True
                log.warning("No notifier is configured: outbox messages stay pending until "
                            "one is (nothing is dropped)")
            return report
        token, messages = self.claim()
        report.claimed = len(messages)
        for message in messages:
            self.deliver(notifier, message, token, report)
        return report

    def drain(self, max_batches: int = 1000) -> DispatchReport:
        """Deliver batches until nothing is due (or ``max_batches``)."""
        total = DispatchReport()
        for _ in range(max_batches):
            r = self.run_once()
            for name in ("claimed", "sent", "retried", "dead", "lease_lost"):
                setattr(total, name, getattr(total, name) + getattr(r, name))
            total.waiting_for_notifier = r.waiting_for_notifier
            if not r.claimed:
                break
        return total

    def claim(self) -> tuple[str, list[OutgoingMessage]]:
        """Lease up to ``batch_size`` due messages to this dispatcher, oldest first."""
        token = f"{self.owner}#{next(self._claims)}"[:64]
        with self.domain.uow(ACTOR) as uow:
            now = uow.now()
            due = (select(OutboxMessage.id)
                   .where(OutboxMessage.due(now),
                          or_(OutboxMessage.lease_until.is_(None),
                              OutboxMessage.lease_until <= now))
                   .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                   .limit(self.batch_size)
                   .with_for_update(skip_locked=True))
            rows = uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(due.scalar_subquery()))
                .values(lease_owner=token,
                        lease_until=now + dt.timedelta(seconds=self.lease_seconds),
                        attempts=OutboxMessage.attempts + 1)
                .returning(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.payload,
                           OutboxMessage.person_id, OutboxMessage.channel,
                           OutboxMessage.business_unit_id, OutboxMessage.platform,
                           OutboxMessage.attempts, OutboxMessage.dedupe_key)
                .execution_options(synchronize_session=False)
            ).all()
            uow.commit()
        messages = sorted((OutgoingMessage(*row) for row in rows), key=lambda m: m.id)
        return token, messages

    def deliver(self, notifier: Notifier, message: OutgoingMessage, token: str,
                report: DispatchReport) -> None:
        """Send one claimed message and record the outcome."""
        try:
            ref = notifier.send(message)
        except DeliveryFailed as exc:
            self._failed(message, token, str(exc), exc.permanent, exc.retry_after, report)
        except Exception as exc:  # a notifier bug or a network error: retry, never drop
            log.exception("Notifier raised on outbox message %s", message.id)
            self._failed(message, token, f"{type(exc).__name__}: {exc}", False, None, report)
        else:
            self._sent(message, token, ref, report)

    def _mine(self, message_id: int, token: str) -> Any:
        return ((OutboxMessage.id == message_id) & (OutboxMessage.lease_owner == token)
                & (OutboxMessage.status == OutboxStatus.PENDING))

    def _sent(self, message: OutgoingMessage, token: str, ref: dict[str, Any] | None,
              report: DispatchReport) -> None:
        with self.domain.uow(ACTOR) as uow:
            result = uow.session.execute(
                update(OutboxMessage).where(self._mine(message.id, token))
                .values(status=OutboxStatus.SENT, sent_at=uow.now(), delivery_ref=ref,
                        last_error=None, lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False))
            uow.commit()
        if result.rowcount:  # type: ignore[attr-defined]
            report.sent += 1
            self.domain.telemetry.delivery("sent")
        else:
            report.lease_lost += 1
            self.domain.telemetry.delivery("lease_lost")
            log.warning("Outbox message %s was sent after its lease expired; another "
                        "dispatcher may send it again (raise the lease above the send "
                        "timeout)", message.id)

    def _failed(self, message: OutgoingMessage, token: str, reason: str, permanent: bool,
                retry_after: float | None, report: DispatchReport) -> None:
        dead = permanent or message.attempts >= self.retry.max_attempts
        with self.domain.uow(ACTOR) as uow:
            delay = self.retry.delay(message.attempts, self.rng)
            if retry_after is not None:
                delay = max(delay, retry_after)
            values: dict[str, Any] = {"last_error": reason[:2000], "lease_owner": None,
                                      "lease_until": None}
            if dead:
                values["status"] = OutboxStatus.DEAD
            else:
                values["next_attempt_at"] = uow.now() + dt.timedelta(seconds=delay)
            uow.session.execute(update(OutboxMessage).where(self._mine(message.id, token))
                                .values(**values).execution_options(synchronize_session=False))
            uow.commit()
        self.domain.telemetry.delivery("dead" if dead else "retried")
        if dead:
            report.dead += 1
            log.error("Outbox message %s (%s) is dead after %s attempt(s): %s", message.id,
                      message.kind, message.attempts, reason)
        else:
            report.retried += 1
            log.info("Outbox message %s failed (attempt %s), retrying in %.0fs: %s",
                     message.id, message.attempts, delay, reason)


def watch_outbox(session_factory: sessionmaker[Session],
                 callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` after every commit that wrote outbox messages (from any unit of
    work of this process), so a dispatcher can wake at once. Returns the un-watch function."""

    def noticed(state: ORMExecuteState) -> None:
        table = getattr(state.statement, "table", None)
        if state.is_insert and getattr(table, "name", None) == OutboxMessage.__tablename__:
            state.session.info["outbox_written"] = True

    def committed(session: Session) -> None:
        if session.info.pop("outbox_written", False):
            callback()

    def rolled_back(session: Session) -> None:
        session.info.pop("outbox_written", None)

    hooks: list[tuple[str, Callable[..., None]]] = [
        ("do_orm_execute", noticed), ("after_commit", committed),
        ("after_rollback", rolled_back)]
    for name, fn in hooks:
        event.listen(session_factory, name, fn)

    def unwatch() -> None:
        for name, fn in hooks:
            event.remove(session_factory, name, fn)

    return unwatch
