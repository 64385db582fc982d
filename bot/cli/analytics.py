"""``creditbot kpis``: the dashboard's figures on the command line (``--json`` for tools)."""

from __future__ import annotations

import datetime as dt
import json

import typer
from rich.table import Table as RichTable

from bot.cli.base import app, cli_locale, console, domain_errors, runtime
from bot.cli.web import find_person
from credit_domain.access import Actor, load_actor
from credit_domain.analytics.services import DEFAULT_MONTHS, KpiQuery, run_kpis
from credit_domain.analytics.tables import Table, display, report_tables


@app.command("kpis")
@domain_errors
def kpis(
    scope: str = typer.Option("", help="bu:IND,region:EAST,team:IND-E1,sales:12,customer:34 "
                                       "(default: everything the viewer sees)."),
    as_of: str = typer.Option(None, "--as-of", help="Date YYYY-MM-DD (default today)."),
    months: int = typer.Option(DEFAULT_MONTHS, help="Months of the DSO/CEI period."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    as_person: str = typer.Option(None, "--as",
                                  help="See what this person sees (default: everything)."),
) -> None:
    """Credit KPIs of a scope: limits, exposure, aging, DSO, CEI, holds, drill-down."""
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter("--as-of takes a date, YYYY-MM-DD") from None
    with runtime() as rt:
        actor = Actor.system("cli")
        if as_person:
            with rt.domain.read() as session:
                actor = load_actor(session, find_person(session, as_person).id)
        report = run_kpis(rt.domain, actor, KpiQuery(scope, day, months))
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    locale = cli_locale()
    console.print(f"[bold]{report.label(locale)}[/bold] · {report.as_of} · "
                  f"{report.period_start} – {report.as_of}")
    for table in report_tables(report):
        if table.key in ("summary", "aging", "drill"):
            console.print(_rich(table, locale, report.currency))


def _rich(table: Table, locale: str, currency: str) -> RichTable:
    out = RichTable(*(c.label.render(locale) for c in table.columns),
                    title=table.title.render(locale))
    for i, row in enumerate(table.rows):
        out.add_row(*(display(v, table.kind(i, j), locale, currency)
                      for j, v in enumerate(row)))
    return out
