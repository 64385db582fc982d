"""``creditbot db``: schema migrations."""

from __future__ import annotations

import typer

from bot.cli.base import app, console, runtime
from credit_domain.db.migrate import current_heads, upgrade

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to run on every start and every upgrade)."""
    with runtime() as rt:
        upgrade(rt.domain.engine)
        heads = ", ".join(sorted(current_heads(rt.domain.engine)))
        console.print(f"Database is up to date ({heads}).")


@db_app.command("current")
def db_current() -> None:
    """Show the migration revisions the database is at."""
    with runtime() as rt:
        heads = current_heads(rt.domain.engine)
        console.print(", ".join(sorted(heads)) if heads else "(no migrations applied)")
