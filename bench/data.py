"""The data sets: generated once per scale and database by ``creditbot bench generate``,
marked with :data:`~bench.config.DATA_VERSION`, reused while the mark matches."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.config import DATA_VERSION, SEED, Scale, data_dir, database_url
from credit_domain.db.engine import make_engine
from credit_domain.db.migrate import upgrade

MARK = f"v{DATA_VERSION}"


def _mark(sc: Scale) -> str:
    return f"{MARK}:{sc.customers}:{sc.invoices}:{sc.payments}:{sc.orders}:{SEED}"


def _admin_engine(url: str):  # type: ignore[no-untyped-def]
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def drop_database(kind: str, url: str) -> None:
    if kind == "sqlite":
        path = pathlib.Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            pathlib.Path(str(path) + suffix).unlink(missing_ok=True)
        return
    name = make_url(url).database
    assert name and name.startswith("creditbot_bench"), name  # never anyone else's database
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def create_database(kind: str, url: str) -> None:
    drop_database(kind, url)
    if kind == "sqlite":
        data_dir().mkdir(parents=True, exist_ok=True)
        return
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{make_url(url).database}"')
    admin.dispose()


def _is_current(kind: str, url: str, sc: Scale) -> bool:
    if kind == "sqlite" and not pathlib.Path(make_url(url).database or "").exists():
        return False
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            value = conn.execute(text("SELECT mark FROM bench_dataset")).scalar()
        engine.dispose()
    except Exception:
        return False
    return value == _mark(sc)


def prepare(kind: str, sc: Scale, log) -> str:  # type: ignore[no-untyped-def]
    """The URL of the data set of ``sc`` on ``kind``, generated unless cached."""
    url = database_url(kind, sc)
    if _is_current(kind, url, sc):
        engine = make_engine(url)
        try:  # a data set generated before a migration gets its tables (the rows stay)
            upgrade(engine)
        finally:
            engine.dispose()
        log(f"{kind}/{sc.name}: reusing the cached data set")
        return url
    create_database(kind, url)
    started = time.monotonic()
    log(f"{kind}/{sc.name}: generating {sc.customers} customers, {sc.invoices} invoices, "
        f"{sc.payments} payments, {sc.orders} orders …")
    subprocess.run(
        [sys.executable, "-m", "bot", "bench", "generate", "--customers", str(sc.customers),
         "--invoices", str(sc.invoices), "--payments", str(sc.payments),
         "--orders", str(sc.orders), "--seed", str(SEED)],
        env={**os.environ, "DATABASE_URL": url}, check=True, stdout=subprocess.DEVNULL)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_dataset (mark VARCHAR(200) NOT NULL)"))
        conn.execute(text("INSERT INTO bench_dataset (mark) VALUES (:m)"), {"m": _mark(sc)})
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    log(f"{kind}/{sc.name}: generated in {time.monotonic() - started:.0f} s")
    return url


def server_url_if(databases: list[str]) -> str | None:
    """The PostgreSQL data set's server, when PostgreSQL was measured."""
    from bench.config import pg_server_url

    return pg_server_url() if "postgresql" in databases else None
