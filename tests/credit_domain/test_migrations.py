"""The migrations build exactly the schema the models describe, on both databases."""

import threading
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from credit_domain.db.engine import make_engine, normalize_url
from credit_domain.db.migrate import current_heads, upgrade
from credit_domain.db.models import Base
from tests.conftest import PG_URL, needs_service


def test_migrations_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)  # idempotent on an up-to-date database
        assert current_heads(engine) == {"0011_overdue_reported"}  # one line of history, one head
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_replicas_upgrading_at_once_take_turns() -> None:
    """Every replica runs `creditbot db upgrade` at start: on a new PostgreSQL database, four
    at once all succeed and the schema is migrated once."""
    if not PG_URL:
        needs_service("PostgreSQL (CREDITBOT_TEST_DATABASE_URL)")
    server = make_url(normalize_url(PG_URL or ""))
    name = f"creditbot_upgrade_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engines = [make_engine(server.set(database=name).render_as_string(hide_password=False))
               for _ in range(4)]
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        try:
            upgrade(engine)
        except BaseException as exc:  # collected, asserted below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=run, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        assert current_heads(engines[0]) and len(current_heads(engines[0])) >= 1
    finally:
        for e in engines:
            e.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
