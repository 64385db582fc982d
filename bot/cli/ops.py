"""Operations: verify the audit chain, back up and restore the database."""

from __future__ import annotations

import pathlib

import typer

from bot.cli.base import app, console, err_console, runtime
from credit_domain.audit.chain import verify_chains
from credit_domain.db.backup import BackupError, backup, restore

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk every hash chain and report the first broken link (exit 1 if any)."""
    with runtime() as rt, rt.domain.read() as session:
        report = verify_chains(session)
    if report.ok:
        console.print(f"Audit trail intact: {report.checked} events checked.")
        for chain, head in sorted(report.heads.items()):
            console.print(f"  chain {chain}: head {head}")
        return
    err_console.print(
        f"[red]Audit trail broken in chain {report.broken_chain} at event #{report.broken_seq} "
        f"(row id {report.broken_id}): {report.problem}.[/red]"
    )
    raise typer.Exit(1)


@app.command("backup")
def backup_cmd(target: pathlib.Path = typer.Argument(..., help="File to write.")) -> None:
    """Back up the database (consistent while creditbot runs)."""
    with runtime() as rt:
        try:
            backup(rt.domain.engine, target)
        except BackupError as exc:
            err_console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    console.print(f"Backup written to {target} ({target.stat().st_size:,} bytes).")


@app.command("restore")
def restore_cmd(
    source: pathlib.Path = typer.Argument(..., help="A file made by `creditbot backup`."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Replace the database's content with a backup. Stop creditbot first."""
    if not yes:
        typer.confirm(f"Replace ALL data in the database with {source}?", abort=True)
    with runtime() as rt:
        try:
            restore(rt.domain.engine, source)
        except BackupError as exc:
            err_console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    console.print(f"Database restored from {source}. Run `creditbot audit verify` to check it.")
