"""``creditbot bench``: the benchmark data set (a large, deterministic credit book).

``creditbot bench generate`` fills an empty database with ``credit_domain.demo.bulk``; the
benchmarks themselves (``make bench``, ``python -m bench``) live in ``bench/`` of the
repository and use the same generator.
"""

from __future__ import annotations

import datetime as dt
import time

import typer

from bot.cli.base import app, console, runtime
from credit_domain.db.migrate import upgrade
from credit_domain.demo.bulk import generate
from credit_domain.demo.seed import is_empty

bench_app = typer.Typer(help="Benchmark data: a large, deterministic credit book.",
                        no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("generate")
def generate_(
    customers: int = typer.Option(100_000, min=1, help="Customers (one credit account each)."),
    invoices: int = typer.Option(1_000_000, min=0, help="Invoices, over every aging bucket."),
    payments: int = typer.Option(500_000, min=0, help="Payments, each allocated to an invoice."),
    orders: int = typer.Option(200_000, min=0, help="Orders (one in four open)."),
    seed: int = typer.Option(7, help="Random seed; the same seed gives the same book."),
    today: str = typer.Option("", help="The book's date (YYYY-MM-DD); default: today."),
) -> None:
    """Fill the empty database at DATABASE_URL with a large book (migrating it first)."""
    if payments > invoices:
        console.print("[red]--payments cannot exceed --invoices (one payment per invoice).[/red]")
        raise typer.Exit(2)
    started = time.monotonic()
    with runtime() as rt:
        domain = rt.domain
        upgrade(domain.engine)
        with domain.read() as session:
            if not is_empty(session):
                console.print("[red]The database already has data; benchmark data needs an "
                              "empty one.[/red]")
                raise typer.Exit(1)
        now = domain.clock.now()
        day = dt.date.fromisoformat(today) if today else now.date()
        summary = generate(domain.engine, customers=customers, invoices=invoices,
                           payments=payments, orders=orders, today=day, now=now, seed=seed)
    console.print(
        f"Generated {summary.customers} customers, {summary.invoices} invoices, "
        f"{summary.payments} payments, {summary.orders} orders ({summary.teams} teams, "
        f"{summary.salespeople} salespeople) in {time.monotonic() - started:.1f} s.")
