"""SQLite writers in one process queue on a gate before ``BEGIN IMMEDIATE``: every writer gets
its turn (no "database is locked" under a burst), readers never wait for it, and however a
write transaction ends (commit, rollback, an exception, a connection closed or invalidated
mid-transaction, a session dropped without closing) the next writer is not kept waiting."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from credit_domain.db.engine import WRITE_OPTION, make_engine


@pytest.fixture()
def engine(tmp_path: Path) -> Iterator[Engine]:
    # A short busy timeout: a gate left closed makes the next writer fail within a second.
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}?timeout=1")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    yield engine
    engine.dispose()


def _bump(engine: Engine) -> None:
    with engine.begin() as conn:
        n = conn.execute(text("SELECT n FROM counter")).scalar_one()
        conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT n FROM counter")).scalar_one())


def test_a_burst_of_writers_all_get_their_turn(engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(40):
                _bump(engine)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and _count(engine) == 320  # no update lost, none refused


def test_however_a_write_ends_the_next_writer_gets_in(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:  # an exception: rolled back
        conn.execute(text("UPDATE counter SET n = 100"))
        raise RuntimeError("boom")
    _bump(engine)

    conn = engine.connect()  # closed mid-transaction, never committed
    conn.execute(text("UPDATE counter SET n = 100"))
    conn.close()
    _bump(engine)

    conn = engine.connect()  # invalidated mid-transaction (a broken connection)
    conn.execute(text("UPDATE counter SET n = 100"))
    conn.invalidate()
    _bump(engine)  # the gate opened when the connection was invalidated, before any rollback
    conn.rollback()
    conn.close()

    session = Session(engine)  # a session dropped without being closed
    session.execute(text("UPDATE counter SET n = 100"))
    del session
    gc.collect()
    _bump(engine)
    assert _count(engine) == 4


def test_readers_do_not_wait_for_a_writer(engine: Engine) -> None:
    reader = engine.execution_options(**{WRITE_OPTION: False})
    with engine.begin() as writing:
        writing.execute(text("UPDATE counter SET n = 7"))
        with reader.connect() as conn:
            assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 0
    assert _count(engine) == 7


def test_a_writer_that_cannot_get_in_is_told_the_database_is_locked(engine: Engine) -> None:
    with engine.begin() as writing:
        writing.execute(text("UPDATE counter SET n = 7"))
        with pytest.raises(OperationalError, match="database is locked"):
            _bump(engine)  # waits the busy timeout (1 s), then gives up as SQLite would
    _bump(engine)
    assert _count(engine) == 8


def test_the_busy_timeout_comes_from_the_url_in_seconds(tmp_path: Path) -> None:
    quick = make_engine(f"sqlite:///{tmp_path / 'quick.db'}?timeout=0.25")
    try:
        with quick.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 250
    finally:
        quick.dispose()
    for bad in ("soon", "-1", "inf"):
        with pytest.raises(ValueError, match="number of seconds"):
            make_engine(f"sqlite:///{tmp_path / 'bad.db'}?timeout={bad}")
