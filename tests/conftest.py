"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), a frozen
clock for time travel, and a Domain wired as in production.

PostgreSQL: set ``CREDITBOT_TEST_DATABASE_URL`` to a server URL (``.ci/run`` does). The suite
creates its own database on that server, migrates it once, truncates it before each test and
drops it at the end, so parallel runs never see each other's rows. In CI
(``CREDITBOT_CI=1``) a missing or unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from credit_domain.bootstrap import Domain, build_domain
from credit_domain.clock import FrozenClock
from credit_domain.db.engine import make_engine, normalize_url
from credit_domain.db.migrate import upgrade
from credit_domain.db.models import Base

IN_CI = os.environ.get("CREDITBOT_CI") == "1"
PG_URL = os.environ.get("CREDITBOT_TEST_DATABASE_URL")
# Monday 2 March 2026, 09:00 in Shanghai.
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def needs_service(what: str) -> None:
    """Skip outside CI, fail loudly in CI: a service test is never silently skipped there."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available", pytrace=False)
    pytest.skip(f"{what} not available (set it up to run this test)")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


# -- SQLite -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "creditbot.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


# -- PostgreSQL -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    if not PG_URL:
        needs_service("PostgreSQL (CREDITBOT_TEST_DATABASE_URL)")
    server = make_url(normalize_url(PG_URL or ""))
    name = f"creditbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # unreachable server, bad credentials
        admin.dispose()
        needs_service(f"PostgreSQL at {server.render_as_string(hide_password=True)} ({exc})")
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def truncate_all(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def pg_url(pg_database: str) -> str:
    truncate_all(pg_database)
    return pg_database


# -- Domains ----------------------------------------------------------------------------------
def _domain(url: str, clock: FrozenClock) -> Iterator[Domain]:
    domain = build_domain(url, clock=clock)
    try:
        yield domain
    finally:
        domain.dispose()


@pytest.fixture
def domain(sqlite_url: str, clock: FrozenClock) -> Iterator[Domain]:
    """A Domain on a fresh, migrated SQLite database."""
    yield from _domain(sqlite_url, clock)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database URL, once for SQLite and once for PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def any_domain(db_url: str, clock: FrozenClock) -> Iterator[Domain]:
    """A Domain on each database in turn (tests run twice)."""
    yield from _domain(db_url, clock)


# -- Runtime (bot) ----------------------------------------------------------------------------
@pytest.fixture
def make_runtime(sqlite_url: str, clock: FrozenClock) -> Iterator[Any]:
    """Build a Runtime on the test database: ``make_runtime(emulator=True, ...)``; settings
    come only from the arguments (no environment, no .env)."""
    from bot.bootstrap import build_runtime
    from bot.settings import Settings

    built: list[Any] = []

    def make(**overrides: Any) -> Any:
        values = {"database_url": sqlite_url, "scheduler": False, **overrides}
        settings = Settings(_env_file=None, **values)
        rt = build_runtime(settings, clock=clock)
        built.append(rt)
        return rt

    yield make
    for rt in built:
        rt.close()
