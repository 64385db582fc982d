"""Run the Alembic migrations shipped inside the package (no alembic.ini needed)."""

from __future__ import annotations

import importlib.resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(importlib.resources.files("credit_domain.db").joinpath("migrations"))
    )
    cfg.attributes["engine"] = engine
    return cfg


# pg_advisory_lock key of schema upgrades ("creditbt" in ASCII)
UPGRADE_LOCK = 0x6372656469746274


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database schema up to date (every branch head). On PostgreSQL, replicas
    that all run ``creditbot db upgrade`` at start take turns (an advisory lock): the first
    migrates, the others find nothing left to do."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
        holder.commit()
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK})
            holder.commit()


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return set()
        return {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
