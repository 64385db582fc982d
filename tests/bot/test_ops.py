"""Backups round-trip on both databases; `creditbot audit verify` catches tampering."""

import pathlib
import shutil
from typing import Any

import pytest
from sqlalchemy import func, select, text

from credit_domain.audit.chain import verify_chains
from credit_domain.bootstrap import Domain
from credit_domain.customers.models import Customer
from credit_domain.db.backup import backup, restore
from tests.conftest import needs_service
from tests.factories import World


def customers(domain: Domain) -> int:
    with domain.read() as s:
        return int(s.scalar(select(func.count()).select_from(Customer)) or 0)


def test_backup_and_restore_round_trip(any_domain: Domain, tmp_path: pathlib.Path) -> None:
    if any_domain.engine.dialect.name != "sqlite" and shutil.which("pg_dump") is None:
        needs_service("pg_dump (PostgreSQL client tools)")
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        w.customer("备份前客户")
        uow.audit("customer.created", "customer", 1, business_unit_id=None)
        uow.commit()
    target = tmp_path / "backup.dump"
    backup(any_domain.engine, target)
    with any_domain.uow() as uow:
        World(uow.session, uow.now()).customer("备份后客户")
        uow.commit()
    assert customers(any_domain) == 2
    restore(any_domain.engine, target)
    assert customers(any_domain) == 1
    with any_domain.read() as s:
        assert verify_chains(s).ok


def test_restore_refuses_a_file_that_is_not_a_database(domain: Domain,
                                                       tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "junk.db"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(Exception, match=r"not an intact SQLite database|file is not a database"):
        restore(domain.engine, bad)
    assert customers(domain) == 0


def test_audit_verify_command(make_runtime: Any, tmp_path: pathlib.Path) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    rt = make_runtime()
    with rt.domain.uow() as uow:
        for i in range(3):
            uow.audit("limit.changed", "account", i, business_unit_id=None, after={"v": i})
        uow.commit()
    env = {"DATABASE_URL": str(rt.domain.engine.url), "CREDITBOT_SCHEDULER": "0"}
    ok = CliRunner().invoke(app, ["audit", "verify"], env=env)
    assert ok.exit_code == 0 and "3 events checked" in ok.output
    with rt.domain.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET reason = 'tampered' WHERE seq = 2"))
    broken = CliRunner().invoke(app, ["audit", "verify"], env=env)
    assert broken.exit_code == 1 and "#2" in broken.output
