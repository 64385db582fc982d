"""The unit of work: the only place that commits.

A state change, the domain events it raises (handled by in-transaction subscribers such as
the rules engine), its audit events and its outbox messages commit together, or none of
them do. Leaving the ``with`` block without :meth:`UnitOfWork.commit` rolls everything back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from credit_domain.accounts.models import CreditAccount
from credit_domain.audit.chain import GENESIS, ChainLink, canonical_json, event_hash
from credit_domain.audit.models import AuditEvent
from credit_domain.clock import Clock
from credit_domain.errors import NotFound
from credit_domain.i18n import text_factory
from credit_domain.outbox.models import OutboxMessage, OutboxStatus
from credit_domain.telemetry import NoTelemetry, Telemetry

_ = text_factory("credit_domain")
T = TypeVar("T")
Stmt = TypeVar("Stmt", bound=Select[Any])


@dataclass(frozen=True)
class ActorRef:
    """Who causes a change, as the audit trail records it."""

    person_id: int | None
    label: str

    @classmethod
    def system(cls, name: str) -> ActorRef:
        return cls(None, f"system:{name}")

    @classmethod
    def person(cls, person_id: int, name: str | None = None) -> ActorRef:
        return cls(person_id, f"person:{person_id}" + (f" {name}" if name else ""))


@dataclass
class PendingAudit:
    action: str
    entity_type: str
    entity_id: str
    business_unit_id: int | None
    actor: ActorRef
    reason: str | None
    before: Any
    after: Any


@dataclass
class PendingMessage:
    kind: str
    payload: dict[str, Any]
    person_id: int | None = None
    channel: str | None = None
    business_unit_id: int | None = None
    platform: str | None = None
    dedupe_key: str | None = None
    not_before: dt.datetime | None = None


Subscriber = Callable[["UnitOfWork", Any], None]


@dataclass
class UnitOfWork:
    """See the module docstring. Create through :meth:`credit_domain.bootstrap.Domain.uow`."""

    session_factory: sessionmaker[Session]
    clock: Clock
    actor: ActorRef = field(default_factory=lambda: ActorRef.system("creditbot"))
    subscribers: Iterable[Subscriber] = ()
    telemetry: Telemetry = field(default_factory=NoTelemetry)
    session: Session = field(init=False)
    events: list[Any] = field(default_factory=list, init=False)
    audits: list[PendingAudit] = field(default_factory=list, init=False)
    messages: list[PendingMessage] = field(default_factory=list, init=False)
    inserted_message_ids: list[int] = field(default_factory=list, init=False)
    _locked: dict[int, CreditAccount] = field(default_factory=dict, init=False)
    _after_commit: list[Callable[[], None]] = field(default_factory=list, init=False)
    _committed: bool = field(default=False, init=False)

    def __enter__(self) -> UnitOfWork:
        self.session = self.session_factory()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._committed:
            self.session.rollback()
        self.session.close()
        self._locked.clear()

    # -- time --------------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self.clock.now()

    # -- recording ---------------------------------------------------------------------------
    def publish(self, event: Any) -> None:
        """Raise a domain event; subscribers handle it inside this transaction at commit."""
        self.events.append(event)

    def audit(
        self,
        action: str,
        entity_type: str,
        entity_id: object,
        *,
        business_unit_id: int | None,
        before: Any = None,
        after: Any = None,
        reason: str | None = None,
        actor: ActorRef | None = None,
    ) -> None:
        """Append an audit event (who, when, what, why, before/after) at commit."""
        self.audits.append(
            PendingAudit(action, entity_type, str(entity_id), business_unit_id,
                         actor or self.actor, reason, before, after)
        )

    def notify(
        self,
        kind: str,
        *,
        person_id: int | None = None,
        channel: str | None = None,
        business_unit_id: int | None = None,
        platform: str | None = None,
        dedupe_key: str | None = None,
        not_before: dt.datetime | None = None,
        **payload: Any,
    ) -> None:
        """Queue a message for a person or a named channel, delivered after commit."""
        if person_id is None and channel is None:
            raise ValueError("a notification needs a person or a channel")
        self.messages.append(
            PendingMessage(kind, payload, person_id, channel, business_unit_id, platform,
                           dedupe_key, not_before)
        )

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (e.g. wake the dispatcher)."""
        self._after_commit.append(callback)

    # -- locking -----------------------------------------------------------------------------
    def lock_account(self, account_id: int) -> CreditAccount:
        """Load a credit account for update (see :meth:`locking`); an account this unit of
        work has locked already is returned as it is."""
        held = self._locked.get(account_id)
        if held is not None:
            return held
        if self._sqlite():
            account = self.session.get(CreditAccount, account_id)
        else:
            account = self.session.scalars(self.locking(
                select(CreditAccount).where(CreditAccount.id == account_id))).first()
        if account is None:
            raise NotFound(_("Credit account {id} does not exist.", id=account_id))
        return self.hold(account)

    def locking(self, stmt: Stmt) -> Stmt:
        """``stmt``, which selects credit accounts, made to lock those it reads: a row lock on
        PostgreSQL (``FOR UPDATE OF`` the accounts, read again under the lock); unchanged on
        SQLite, where the write transaction holds the database's write lock from its first
        statement (``BEGIN IMMEDIATE``), so whatever it reads is current. Pass what it
        returns to :meth:`hold`."""
        if self._sqlite():
            return stmt
        return stmt.with_for_update(of=CreditAccount).execution_options(populate_existing=True)

    def hold(self, account: CreditAccount) -> CreditAccount:
        """Record ``account`` as locked by this unit of work (read by :meth:`locking`) and
        keep it until the end: the session's identity map holds rows only weakly, and the
        subscribers at commit ask for the same account again."""
        self._locked[account.id] = account
        return account

    def locks_taken(self) -> frozenset[int]:
        """The accounts held now: a mark for :meth:`forget_locks_since`."""
        return frozenset(self._locked)

    def forget_locks_since(self, mark: frozenset[int]) -> None:
        """A savepoint rolled back: on PostgreSQL the row locks taken inside it were released
        with it, so the accounts held since ``mark`` are no longer (an account held before
        it, let go by a checkpoint and locked again inside, is still locked)."""
        for account_id in set(self._locked) - mark:
            del self._locked[account_id]

    def _sqlite(self) -> bool:
        return self.session.get_bind().dialect.name == "sqlite"

    # -- commit ------------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Handle the events raised so far and write their outbox messages and audit events,
        without committing: a long import calls it every few hundred rows so that its memory
        stays flat in the number of rows. The accounts held so far are let go once their
        events are handled (their row locks stay until the commit; locking one again finds it
        again: read under the lock on PostgreSQL, the session's copy on SQLite)."""
        self._dispatch_events()
        self.session.flush()
        self._write_outbox()
        self._write_audit()
        self._locked.clear()

    def commit(self) -> None:
        self._dispatch_events()
        self.session.flush()
        self._write_outbox()
        self._write_audit()
        self.session.commit()
        self._committed = True
        self._locked.clear()  # the locks ended with the transaction
        callbacks, self._after_commit = self._after_commit, []
        for cb in callbacks:
            cb()

    def rollback(self) -> None:
        self.session.rollback()
        self._locked.clear()
        self.events.clear()
        self.audits.clear()
        self.messages.clear()

    def _dispatch_events(self) -> None:
        handled = 0
        while handled < len(self.events):
            event = self.events[handled]
            handled += 1
            for subscriber in self.subscribers:
                subscriber(self, event)
            if handled > 10_000:
                raise RuntimeError("domain events do not settle (a rule triggers itself?)")
        self.events.clear()

    def _write_outbox(self) -> None:
        if not self.messages:
            return
        now = self.now()
        rows = [{
            "created_at": now,
            "kind": m.kind,
            "business_unit_id": m.business_unit_id,
            "person_id": m.person_id,
            "channel": m.channel,
            "platform": m.platform,
            "payload": m.payload,
            "dedupe_key": m.dedupe_key,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": m.not_before or now,
        } for m in self.messages]
        insert = (postgresql.insert if self.session.get_bind().dialect.name == "postgresql"
                  else sqlite.insert)
        # One statement for them all; a message whose dedupe key is taken (by an earlier
        # transaction or earlier in this one) is skipped, and only new rows come back.
        stmt = (insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])
                .returning(OutboxMessage.id))
        self.inserted_message_ids.extend(sorted(self.session.scalars(stmt, rows)))
        self.messages.clear()

    def _write_audit(self) -> None:
        if not self.audits:
            return
        now = self.now()
        by_chain: dict[str, list[PendingAudit]] = {}
        for a in self.audits:
            chain = "global" if a.business_unit_id is None else f"bu:{a.business_unit_id}"
            by_chain.setdefault(chain, []).append(a)
        rows: list[dict[str, Any]] = []
        for chain in sorted(by_chain):  # a fixed order: two writers never deadlock
            self._lock_chain(chain)
            head = self.session.execute(
                select(AuditEvent.seq, AuditEvent.hash)
                .where(AuditEvent.chain == chain)
                .order_by(AuditEvent.seq.desc())
                .limit(1)
            ).first()
            seq, prev = (head[0], head[1]) if head else (0, GENESIS)
            for a in by_chain[chain]:
                seq += 1
                link = ChainLink(
                    chain=chain, seq=seq, occurred_at=now, business_unit_id=a.business_unit_id,
                    actor_id=a.actor.person_id, actor_label=a.actor.label, action=a.action,
                    entity_type=a.entity_type, entity_id=a.entity_id, reason=a.reason,
                    before=canonical_json(a.before), after=canonical_json(a.after),
                    prev_hash=prev)
                prev = event_hash(link)
                rows.append({**vars(link), "hash": prev})
        # A bulk INSERT of plain rows: no ORM objects to track (nothing reads them back here).
        self.session.execute(insert(AuditEvent), rows)
        self.audits.clear()

    def _lock_chain(self, chain: str) -> None:
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": "audit:" + chain}
            )


def count(session: Session, stmt: Any) -> int:
    """``SELECT count(*)`` of a select statement."""
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
