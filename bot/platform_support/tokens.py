"""Platform API access tokens, cached in the ``platform_tokens`` table.

Every process and replica reads the same row, so one refresh serves them all and a restart
costs no token fetch. A token rejected by the platform (expired early, revoked, refreshed by
another party) is dropped only if the row still holds that very token, so a process that
lost the race reads the token another process already fetched instead of fetching again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from credit_domain.bootstrap import Domain
from credit_domain.platforms.models import PlatformToken
from credit_domain.unit_of_work import ActorRef

# A token is not handed out in its last minutes: a request started now must not outlive it.
SAFETY_MARGIN = dt.timedelta(minutes=5)
Fetch = Callable[[], tuple[str, int]]  # -> (token, expires in seconds)
ACTOR = ActorRef.system("platform-tokens")


class TokenStore:
    """Read, save and discard access tokens by key (``wecom:<corp>:<agent>``, ...)."""

    def __init__(self, domain: Domain) -> None:
        self._domain = domain

    def current(self, key: str) -> str | None:
        """The stored token if it is still good for a while, else None."""
        with self._domain.read() as session:
            row = session.get(PlatformToken, key)
            if row is None or row.expires_at - SAFETY_MARGIN <= self._domain.clock.now():
                return None
            return row.token

    def save(self, key: str, token: str, expires_in: int) -> None:
        now = self._domain.clock.now()
        values = {"key": key, "token": token, "refreshed_at": now,
                  "expires_at": now + dt.timedelta(seconds=max(int(expires_in), 0))}
        with self._domain.uow(ACTOR) as uow:
            dialect = uow.session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            stmt = insert(PlatformToken).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["key"],
                set_={"token": stmt.excluded.token, "expires_at": stmt.excluded.expires_at,
                      "refreshed_at": stmt.excluded.refreshed_at})
            uow.session.execute(stmt)
            uow.commit()

    def discard(self, key: str, token: str) -> None:
        """Forget ``token`` if it is still the stored one."""
        with self._domain.uow(ACTOR) as uow:
            uow.session.execute(delete(PlatformToken).where(PlatformToken.key == key,
                                                            PlatformToken.token == token))
            uow.commit()

    def get(self, key: str, fetch: Fetch) -> str:
        """The stored token, or a freshly fetched one (then stored for every process)."""
        token = self.current(key)
        if token is not None:
            return token
        token, expires_in = fetch()
        self.save(key, token, expires_in)
        return token

    def replace(self, key: str, rejected: str, fetch: Fetch) -> str:
        """After the platform rejected ``rejected``: another process's newer token, or a new
        one."""
        self.discard(key, rejected)
        return self.get(key, fetch)
