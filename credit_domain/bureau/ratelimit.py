"""Rate limiting of provider calls: a token bucket kept in the database, so every process and
replica on one database shares the provider's quota (a per-process bucket would multiply it).

Each ``acquire`` is one short write transaction on the bucket's row (a row lock on
PostgreSQL, the write lock on SQLite); when the bucket is empty the caller sleeps until the
next token is due, outside any transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from credit_domain.bureau.models import RateBucket
from credit_domain.clock import Clock, SystemClock
from credit_domain.unit_of_work import UnitOfWork


@dataclass
class DatabaseTokenBucket:
    """``rate`` tokens per second, at most ``capacity`` saved up."""

    uow: Callable[[], UnitOfWork]
    name: str
    rate: float
    capacity: float
    clock: Clock = field(default_factory=SystemClock)
    sleep: Callable[[float], None] = time.sleep
    max_wait: float = 120.0

    def acquire(self) -> float:
        """Take one token, waiting as long as needed; returns the seconds waited."""
        waited = 0.0
        while True:
            wait = self._try_take()
            if wait <= 0:
                return waited
            if waited + wait > self.max_wait:
                raise TimeoutError(f"rate limit {self.name}: no token within {self.max_wait}s")
            self.sleep(wait)
            waited += wait

    def _try_take(self) -> float:
        with self.uow() as uow:
            session = uow.session
            now = self.clock.now()
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            session.execute(insert(RateBucket).values(
                name=self.name, tokens=self.capacity, updated_at=now,
            ).on_conflict_do_nothing(index_elements=["name"]))
            stmt = select(RateBucket).where(RateBucket.name == self.name)
            if dialect == "postgresql":
                stmt = stmt.with_for_update()
            bucket = session.scalars(stmt.execution_options(populate_existing=True)).one()
            elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
            tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
            bucket.updated_at = now
            if tokens >= 1.0:
                bucket.tokens = tokens - 1.0
                wait = 0.0
            else:
                bucket.tokens = tokens
                wait = (1.0 - tokens) / self.rate
            uow.commit()
            return wait
