"""The migrations build exactly the schema the models describe, on both databases."""

import datetime as dt
import threading
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from credit_domain.bootstrap import Domain
from credit_domain.db.engine import make_engine, normalize_url
from credit_domain.db.migrate import alembic_config, current_heads, upgrade
from credit_domain.db.models import Base
from credit_domain.ledger.models import Invoice
from credit_domain.monitoring.models import RaisedAlert
from tests.conftest import PG_URL, needs_service
from tests.monitoring.helpers import add_account, add_invoice, make_org


def test_migrations_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)  # idempotent on an up-to-date database
        heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
        assert len(heads) == 1, heads  # one line of history
        assert current_heads(engine) == set(heads)  # and the database is at its end
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


def test_upgrading_marks_the_invoices_the_overdue_scan_had_reported(any_domain: Domain) -> None:
    """0011 adds ``Invoice.overdue_reported``; invoices an overdue alert had already reported
    (``overdue:invoice:N``) are marked, so the first scan after the upgrade does not report
    them again (one combined alert per account for the whole history)."""
    org = make_org(any_domain)
    account = add_account(any_domain, org, "甲公司")
    reported = add_invoice(any_domain, account, 5_000, due=dt.date(2026, 1, 10))
    left = add_invoice(any_domain, account, 6_000, due=dt.date(2026, 1, 20))
    with any_domain.uow() as uow:
        for key in (f"overdue:invoice:{reported}", f"utilisation:{left}:80:0"):
            uow.session.add(RaisedAlert(dedupe_key=key, alert="x", severity="warning",
                                        business_unit_id=org.bu, account_id=account,
                                        raised_at=uow.now(), recipients=0))
        uow.commit()
    engine = any_domain.engine
    command.downgrade(alembic_config(engine), "0010_one_head")
    try:
        upgrade(engine)
    finally:
        upgrade(engine)  # the other tests share the PostgreSQL database
    with any_domain.read() as s:
        flags = {i: f for i, f in s.execute(select(Invoice.id, Invoice.overdue_reported))}
    assert flags == {reported: True, left: False}
