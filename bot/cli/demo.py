"""``creditbot demo``: seed the demo data set, fetch every demo customer's bureau record from
the fake bureau, score every account, and open the demo's applications and blocked order."""

from __future__ import annotations

import sys
import time

import typer
from sqlalchemy.engine import make_url

from bot.bureau import demo_provider
from bot.cli.base import app, console, runtime
from bot.settings import Settings
from credit_domain.bureau.services import refresh_bureau
from credit_domain.db.migrate import upgrade
from credit_domain.demo.seed import is_empty, reset, seed_demo
from credit_domain.demo.workflow import seed_applications
from credit_domain.scoring.services import recompute_all


@app.command("demo")
def demo(
    reset_first: bool = typer.Option(False, "--reset", help="Delete all data first."),
    yes: bool = typer.Option(False, "--yes", help="Confirm --reset without being asked."),
    force: bool = typer.Option(False, "--force",
                               help="Allow --reset where a chat platform is configured."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Seed only an empty database."),
    customers: int = typer.Option(200, help="How many customers."),
    seed: int = typer.Option(20261128, help="Random seed; the same seed gives the same data."),
) -> None:
    """Seed realistic demo data: two business units, people in every role, ~200 customers,
    their bureau records and scores, and applications waiting for 李强 and 张伟."""
    started = time.monotonic()
    with runtime() as rt:
        upgrade(rt.domain.engine)
        with rt.domain.read() as session:
            empty = is_empty(session)
        if not empty:
            if if_empty:
                console.print("The database already has data; demo data not seeded.")
                return
            if not reset_first:
                console.print("[red]The database already has data. Use --reset to replace it "
                              "(this deletes everything).[/red]")
                raise typer.Exit(1)
            _confirm_reset(rt.settings, yes=yes, force=force)
            reset(rt.domain)
        summary = seed_demo(rt.domain, customers=customers, seed=seed)
        console.print(
            f"Demo data seeded: {summary.business_units} business units, {summary.people} "
            f"people, {summary.customers} customers, {summary.accounts} credit accounts, "
            f"{summary.invoices} invoices, {summary.payments} payments, {summary.orders} "
            f"orders, {summary.on_hold} accounts on hold."
        )
        # The demo's companies are fictional: only the fake bureau knows them, whatever
        # provider the server is configured with.
        provider = demo_provider(rt)
        try:
            bureau = refresh_bureau(rt.domain, provider=provider, workers=8)
        finally:
            provider.stop()
        scores = recompute_all(rt.domain, trigger="demo")
        console.print(
            f"Bureau records fetched for {bureau.checked} customers ({bureau.signals} signals, "
            f"{len(bureau.failures)} failed); {scores.computed} accounts scored."
        )
        apps = seed_applications(rt.domain)
        console.print(
            f"{len(apps.numbers)} demo applications ({', '.join(sorted(apps.numbers))}); "
            f"blocked order {apps.blocked_order or '-'}. Sign in as liqiang (李强) or "
            f"zhangwei (张伟) to decide them. Done in {time.monotonic() - started:.1f} s."
        )


def _confirm_reset(settings: Settings, *, yes: bool, force: bool) -> None:
    """--reset deletes everything, the audit trail included: never on a deployment that
    talks to a platform (unless forced), and never without a confirmation."""
    platforms = settings.configured_platforms()
    if platforms and not force:
        console.print(f"[red]{', '.join(platforms)} is configured: this looks like a "
                      "deployment, and --reset would delete its data and audit trail. "
                      "Add --force if you really mean it.[/red]")
        raise typer.Exit(1)
    if yes:
        return
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    if not sys.stdin.isatty() or not typer.confirm(
            f"Delete every row of {where}, the audit trail included?", default=False):
        console.print("[red]Nothing was deleted (confirm with --yes).[/red]")
        raise typer.Exit(1)
