"""PostgreSQL restarted under creditbot: its connections are cut (``pg_terminate_backend``),
and for a while the database takes no new ones. Requests meanwhile fail cleanly (503, nothing
written, /readyz says so); afterwards the pool reconnects (``pool_pre_ping``) and the same
requests succeed. The shared server itself is never restarted: only this test's database
refuses connections, and only its backends are cut."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.monitoring import make_dispatcher
from tests.conftest import PG_URL, needs_service
from tests.faults.test_sqlite_locked import World, make_world

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_world(make_runtime: Any, pg_url: str) -> World:
    return make_world(make_runtime, pg_url)


@contextmanager
def server_admin() -> Iterator[Any]:
    """A connection to the server's own database (not the test's), in autocommit."""
    if not PG_URL:
        needs_service("PostgreSQL (CREDITBOT_TEST_DATABASE_URL)")
    engine = create_engine(make_url(PG_URL or "").set(drivername="postgresql+psycopg"),
                           isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def cut_connections(admin: Any, database: str) -> int:
    """Terminate every backend of ``database`` (what a server restart does to them)."""
    return int(admin.execute(text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": database}).scalar() or 0)


@contextmanager
def database_down(database: str) -> Iterator[None]:
    """``database`` takes no connections and has none, until the block ends."""
    with server_admin() as admin:
        admin.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false'))
        try:
            cut_connections(admin, database)
            yield
        finally:
            admin.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true'))


def test_cut_connections_are_replaced_and_requests_succeed(pg_world: World) -> None:
    w = pg_world
    assert w.check_order().status_code == 200  # the pool holds live connections now
    before = w.counts()
    with server_admin() as admin:
        assert cut_connections(admin, w.database) >= 1
    check = w.check_order()  # same order again: answered from what was recorded
    assert check.status_code == 200, check.text
    tap = w.approve()
    assert tap.status_code == 200, tap.text
    assert w.counts()[0] == before[0]  # the repeated check recorded nothing new
    with server_admin() as admin:
        cut_connections(admin, w.database)
    report = make_dispatcher(w.runtime.domain, w.runtime.settings).drain()
    assert report.sent >= 1  # the approval's notifications went out on fresh connections


def test_requests_while_the_database_is_down_fail_cleanly_then_recover(
        pg_world: World) -> None:
    w = pg_world
    before, pending = w.counts(), w.status()
    with database_down(w.database):
        for answer in (w.check_order(), w.approve()):
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "5"
            assert "nothing was changed" in answer.json()["detail"]
        ready = w.api.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
        assert w.api.get("/healthz").status_code == 200  # alive, only not ready
        # a batch that cannot reach the database raises; the background loop logs it and
        # tries again at its next poll (bot/monitoring.py)
        with pytest.raises(Exception, match=r"connection|database"):
            make_dispatcher(w.runtime.domain, w.runtime.settings).run_once()
    assert w.api.get("/readyz").status_code == 200
    assert w.counts() == before and w.status() == pending  # nothing was half-written
    check, tap = w.check_order(), w.approve()
    assert check.status_code == 200 and check.json()["decision"] == "pass", check.text
    assert tap.status_code == 200, tap.text
    assert w.counts()[0] == before[0] + 1 and w.status() != pending
