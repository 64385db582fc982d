"""The composition root of the domain: one :class:`Domain` per process, built by
:func:`build_domain`, used by the web server, the CLI, the scheduler and the tests alike.

Features plug in through :data:`INSTALLERS`: each is called once with the new Domain and may
register policy kinds, event subscribers or ports. There are no module-level sessions or
clients anywhere.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from credit_domain.access import Actor
from credit_domain.clock import Clock, SystemClock
from credit_domain.db.engine import WRITE_OPTION, make_engine
from credit_domain.policy.store import PolicyStore
from credit_domain.telemetry import NoTelemetry, Telemetry
from credit_domain.unit_of_work import ActorRef, Subscriber, UnitOfWork


@dataclass
class Domain:
    """Everything a use case needs: database, clock, policies, subscribers and ports."""

    engine: Engine
    clock: Clock
    policies: PolicyStore
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    subscribers: list[Subscriber] = field(default_factory=list)
    # Ports implemented outside the domain (bureau providers, notifier, …), by name.
    ports: dict[str, Any] = field(default_factory=dict)
    # Where job runs, alerts and deliveries are counted (bot/ installs Prometheus counters).
    telemetry: Telemetry = field(default_factory=NoTelemetry)

    def uow(self, actor: Actor | ActorRef | None = None) -> UnitOfWork:
        """A new unit of work (a write transaction) acting as ``actor``."""
        ref = actor.ref if isinstance(actor, Actor) else actor
        return UnitOfWork(
            self.session_factory, self.clock, ref or ActorRef.system("creditbot"),
            subscribers=tuple(self.subscribers), telemetry=self.telemetry,
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (no write lock taken on SQLite); never commits."""
        session = self.read_session_factory()
        try:
            yield session
        finally:
            session.close()  # ends the transaction; loaded objects stay readable

    def dispose(self) -> None:
        self.engine.dispose()


Installer = Callable[[Domain], None]
INSTALLERS: list[Installer] = []


def installer(fn: Installer) -> Installer:
    """Decorator: register a feature's installer (called by :func:`build_domain`)."""
    INSTALLERS.append(fn)
    return fn


def build_domain(
    database_url: str,
    *,
    clock: Clock | None = None,
    policy_dir: pathlib.Path | None = None,
    echo: bool = False,
    engine: Engine | None = None,
) -> Domain:
    """Wire a Domain for ``database_url``. Tests pass a FrozenClock to travel in time."""
    import credit_domain.features  # noqa: F401  (registers every feature's installer)

    engine = engine or make_engine(database_url, echo=echo)
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)
    read_factory = sessionmaker(
        bind=engine.execution_options(**{WRITE_OPTION: False}), expire_on_commit=False
    )
    domain = Domain(
        engine=engine,
        clock=clock or SystemClock(),
        # Reads only: services call policies.get inside their own write transaction, and on
        # SQLite a second writer would wait for that very transaction.
        policies=PolicyStore(read_factory, directory=policy_dir),
        session_factory=session_factory,
        read_session_factory=read_factory,
    )
    for install in INSTALLERS:
        install(domain)
    # A subscriber may say when it runs (``order``, default 0; lower first): features that
    # keep their own state current (rescoring) react before the rules engine (order 100),
    # so rules see the state those reactions produced. Otherwise installation order holds.
    domain.subscribers.sort(key=lambda s: getattr(s, "order", 0))
    return domain
