"""Backups: SQLite through its online backup API (consistent while creditbot runs),
PostgreSQL through ``pg_dump``/``pg_restore`` (custom format) when they are installed."""

from __future__ import annotations

import os
import pathlib
import shutil
import sqlite3
import subprocess

from sqlalchemy import Engine
from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why and what to do."""


def _sqlite_path(engine: Engine) -> pathlib.Path:
    return pathlib.Path(make_url(str(engine.url)).database or "")


def backup(engine: Engine, target: pathlib.Path) -> pathlib.Path:
    """Write a consistent copy of the database to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        src = sqlite3.connect(_sqlite_path(engine))
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
        return target
    return _pg("pg_dump", engine, ["--format=custom", "--no-owner", f"--file={target}"])


def restore(engine: Engine, source: pathlib.Path) -> None:
    """Replace the database's content with the backup in ``source``."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if engine.dialect.name == "sqlite":
        engine.dispose()
        src = sqlite3.connect(source)
        dst = sqlite3.connect(_sqlite_path(engine))
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not an intact SQLite database")
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
        return
    _pg("pg_restore", engine, ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                               str(source)], dbname_flag=True)


def _pg(tool: str, engine: Engine, args: list[str], dbname_flag: bool = False
        ) -> pathlib.Path:
    exe = shutil.which(tool)
    if exe is None:
        raise BackupError(f"{tool} is not installed; install the PostgreSQL client tools "
                          f"(Debian: apt-get install postgresql-client)")
    url = make_url(str(engine.url))
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # never on the command line (ps shows it)
    conn = ["--host", url.host or "localhost", "--port", str(url.port or 5432),
            "--username", url.username or "postgres"]
    database = url.database or ""
    cmd = [exe, *conn, *(["--dbname", database] if dbname_flag else []), *args]
    if not dbname_flag:
        cmd.append(database)
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()[:500]}")
    return pathlib.Path(args[-1].removeprefix("--file=")) if not dbname_flag else pathlib.Path()
