"""``creditbot import`` (files in, whole or not at all) and ``creditbot export`` (XLSX out)."""

from __future__ import annotations

import pathlib

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from bot.cli.acting import acting_as
from bot.cli.base import app, cli_locale, console, domain_errors, err_console, runtime
from credit_domain.i18n import text_factory
from credit_domain.importing.columns import KINDS
from credit_domain.importing.exports import ROWS, export
from credit_domain.importing.service import ImportReport, import_file
from credit_domain.importing.templates import write_template

_ = text_factory("bot")
import_app = typer.Typer(help="Import customers, invoices, payments or orders from CSV/XLSX: "
                              "the whole file or nothing.", no_args_is_help=True)
export_app = typer.Typer(help="Export the credit book to XLSX.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


def _print_report(report: ImportReport) -> None:
    locale = cli_locale()
    if report.problems:
        table = Table(_("row").render(locale), _("column").render(locale),
                      _("problem").render(locale), title=report.file)
        for p in report.problems:
            table.add_row(str(p.row), p.column, p.message.render(locale))
        err_console.print(table)
        more = _(" (and {n} more)", n=report.more_problems).render(locale) \
            if report.more_problems else ""
        err_console.print("[red]" + _("Nothing was imported: {n} problem(s){more}. Fix the "
                                      "rows above and import the file again.",
                                      n=len(report.problems), more=more).render(locale)
                          + "[/red]", highlight=False)
        return
    console.print(_("Imported {file}: {rows} rows; {created} new, {updated} updated, "
                    "{unchanged} unchanged.", file=report.file, rows=report.rows,
                    created=report.created, updated=report.updated,
                    unchanged=report.unchanged).render(locale), highlight=False)
    for row, order, why in report.blocked:
        console.print(_("row {row}: order {order} blocked: {why}", row=row, order=order,
                        why=why).render(locale), highlight=False)


def _import(kind: str, file: pathlib.Path, bu: str, as_: str | None) -> None:
    with runtime() as rt:
        with rt.domain.read() as session:
            actor = acting_as(session, as_, "import")
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())
        with Progress(*columns, console=err_console, transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(phase: str, done: int, total: int | None) -> None:
                if phase not in tasks:
                    label = _("checking") if phase == "check" else _("importing")
                    tasks[phase] = bar.add_task(label.render(cli_locale()), total=total)
                bar.update(tasks[phase], completed=done, total=total)

            report = import_file(rt.domain, kind, file, business_unit=bu, actor=actor,
                                 progress=progress)
    _print_report(report)
    if not report.imported:
        raise typer.Exit(1)


def _register(kind: str) -> None:
    @import_app.command(kind, help=f"Import {kind} from a CSV or XLSX file.")
    @domain_errors
    def command(
        file: pathlib.Path = typer.Argument(..., exists=True, dir_okay=False),
        bu: str = typer.Option(..., "--bu", help="Business unit code."),
        as_: str | None = typer.Option(None, "--as", help="Who imports (a credit admin or "
                                                          "finance manager); recorded."),
    ) -> None:
        _import(kind, file, bu, as_)


for _kind in KINDS:
    _register(_kind)


@import_app.command("template")
@domain_errors
def template(
    kind: str = typer.Argument(..., help="customers, invoices, payments or orders"),
    file: pathlib.Path = typer.Argument(..., help="Where to write it (.xlsx or .csv)."),
    lang: str = typer.Option("zh", "--lang", help="Header language: zh or en."),
) -> None:
    """Write an import template with Chinese or English headers (both are accepted)."""
    write_template(kind, lang, file)
    console.print(_("Template written to {file}.", file=str(file)).render(cli_locale()),
                  highlight=False)


def _register_export(kind: str) -> None:
    @export_app.command(kind, help=f"Export {kind} to an XLSX file.")
    @domain_errors
    def command(
        file: pathlib.Path = typer.Argument(..., help="The .xlsx file to write."),
        bu: list[str] = typer.Option([], "--bu", help="Business unit code; repeat for "
                                                      "several (default: all)."),
        as_: str | None = typer.Option(None, "--as", help="Export what this person may see."),
        lang: str = typer.Option("zh", "--lang", help="Header language: zh or en."),
    ) -> None:
        with runtime() as rt:
            with rt.domain.read() as session:
                actor = acting_as(session, as_, "export")
            n = export(rt.domain, kind, file, actor=actor, business_unit_codes=bu or None,
                       lang=lang)
        console.print(_("{n} rows written to {file}.", n=n, file=str(file)).render(
            cli_locale()), highlight=False)


for _kind in ROWS:
    _register_export(_kind)
