"""Engine factory for the two supported databases.

SQLite (the embedded default) runs in WAL mode with a busy timeout and foreign keys on, and
takes its write lock at the start of a write transaction (``BEGIN IMMEDIATE``): a deferred
transaction that reads and then writes fails at once with SQLITE_BUSY under contention,
while an immediate one waits its turn. Read-only units of work use a plain ``BEGIN``.

Within one process, writers queue on a lock of their own before ``BEGIN IMMEDIATE`` and are
woken the moment the writer before them ends. Left to SQLite, a writer that finds the lock
taken polls it with sleeps growing to 100 ms: under a burst (approve taps, each needing the
write lock for its replay claim before Slack is answered) a waiter kept losing to writers that
came later and waited over a second. SQLite's own wait still covers other processes.
"""

from __future__ import annotations

import pathlib
import sqlite3
import threading
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

WRITE_OPTION = "creditbot_write"
HOLDS_GATE = "creditbot_holds_write_gate"  # in a pooled connection's info while it writes


def normalize_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use psycopg 3 for both."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10,
                write_gate: bool = True) -> Engine:
    """Create the engine for ``url`` with the settings each database needs; ``write_gate``
    (SQLite) queues the process's writers on a lock of their own (see above). Without it,
    writers rely on SQLite's busy handler alone (the benchmarks' floor)."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo, write_gate=write_gate)
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        future=True,
    )

    @event.listens_for(engine, "connect")
    def _whole_results(dbapi_conn: Any, _record: Any) -> None:
        # creditbot streams a result through a server-side cursor (``yield_per``) only to read
        # all of it (the monitoring's scans, exports); planned for the first tenth of its rows
        # (PostgreSQL's default for cursors), the overdue scan's join ran 6x slower.
        with dbapi_conn.cursor() as cur:
            cur.execute("SET cursor_tuple_fraction = 1.0")
        dbapi_conn.commit()

    return engine


def _milliseconds(seconds: Any) -> int:
    """``?timeout=`` of a SQLite URL (seconds, a fraction allowed) in whole milliseconds."""
    try:
        value = Decimal(str(seconds))
    except ArithmeticError:  # not a number at all
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise ValueError(f"the SQLite URL's timeout must be a number of seconds, not {seconds!r}")
    return int(value * 1000)


def _sqlite_engine(url: str, *, echo: bool, write_gate: bool) -> Engine:
    parsed = make_url(url)
    database = parsed.database or ""
    # How long a writer waits for another's write lock before giving up (SQLITE_BUSY, which
    # the web app answers with 503): 30 s, or ``?timeout=<seconds>`` in the URL (kept in
    # milliseconds, the unit of SQLite's own busy timeout).
    busy_ms = _milliseconds(parsed.query.get("timeout", "30"))
    busy = busy_ms / 1000
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": busy}}
    if database in ("", ":memory:"):
        raise ValueError("creditbot needs a SQLite file, not an in-memory database")
    pathlib.Path(database).parent.mkdir(parents=True, exist_ok=True)
    kwargs["pool_size"] = 8
    kwargs["max_overflow"] = 24
    engine = create_engine(url, echo=echo, future=True, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()

    if not write_gate:
        @event.listens_for(engine, "begin")
        def _on_begin_ungated(conn: Any) -> None:
            write = conn.get_execution_options().get(WRITE_OPTION, True)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    gate = threading.Lock()

    def release(info: dict[str, Any]) -> None:
        if info.pop(HOLDS_GATE, False):
            gate.release()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not conn.get_execution_options().get(WRITE_OPTION, True):
            conn.exec_driver_sql("BEGIN")
            return
        if not gate.acquire(timeout=busy):
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError("database is locked"))
        conn.info[HOLDS_GATE] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(conn.info)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: Any) -> None:
        if not conn.invalidated:  # an invalidated one freed the gate then (see below)
            release(conn.info)

    # A connection that leaves without commit or rollback through SQLAlchemy (returned to
    # the pool and reset, invalidated after an error, closed) frees the gate all the same.
    @event.listens_for(engine.pool, "reset")
    def _on_reset(dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        release(connection_record.info)

    @event.listens_for(engine.pool, "invalidate")
    def _on_invalidate(dbapi_connection: Any, connection_record: Any, exception: Any) -> None:
        release(connection_record.info)

    @event.listens_for(engine.pool, "close")
    def _on_close(dbapi_connection: Any, connection_record: Any) -> None:
        release(connection_record.info)

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
