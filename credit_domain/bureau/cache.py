"""The bureau response cache: successful answers kept in the database for a TTL, shared by
every process (a refresh in the scheduler and a lookup from chat pay for one call)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from credit_domain.bureau.models import BureauCacheEntry
from credit_domain.clock import Clock
from credit_domain.unit_of_work import UnitOfWork


def request_key(endpoint: str, params: dict[str, Any]) -> str:
    """A stable key of one request (credentials excluded by the caller)."""
    text = json.dumps([endpoint, params], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class DatabaseCache:
    """Read with ``read()`` sessions, write through units of work (no audit: a cache). An
    entry is fresh for ``ttl`` after it was fetched (each reader applies its own TTL; a TTL of
    zero switches the cache off)."""

    read: Callable[[], AbstractContextManager[Session]]
    uow: Callable[[], UnitOfWork]
    clock: Clock
    ttl: dt.timedelta

    def get(self, provider: str, endpoint: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if self.ttl <= dt.timedelta(0):
            return None  # caching switched off
        key = request_key(endpoint, params)
        with self.read() as session:
            row = session.scalar(
                select(BureauCacheEntry.response).where(
                    BureauCacheEntry.provider == provider, BureauCacheEntry.request_key == key,
                    BureauCacheEntry.fetched_at > self.clock.now() - self.ttl,
                )
            )
        return dict(row) if row is not None else None

    def put(self, provider: str, endpoint: str, params: dict[str, Any],
            response: dict[str, Any]) -> None:
        if self.ttl <= dt.timedelta(0):
            return
        now = self.clock.now()
        values = {"provider": provider, "request_key": request_key(endpoint, params),
                  "endpoint": endpoint, "response": response, "fetched_at": now,
                  "expires_at": now + self.ttl}
        with self.uow() as uow:
            dialect = uow.session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            stmt = insert(BureauCacheEntry).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["provider", "request_key"],
                set_={"response": stmt.excluded.response, "fetched_at": now,
                      "expires_at": stmt.excluded.expires_at},
            )
            uow.session.execute(stmt)
            uow.commit()
