"""``creditbot customers``: master data — probable duplicates, and merging them."""

from __future__ import annotations

import typer
from rich.table import Table

from bot.cli.acting import acting_as
from bot.cli.base import app, cli_locale, console, domain_errors, runtime
from credit_domain.customers.master import probable_duplicates
from credit_domain.i18n import text_factory
from credit_domain.ledger.services import merge_customers

_ = text_factory("bot")
customers_app = typer.Typer(help="Customer master data.", no_args_is_help=True)
app.add_typer(customers_app, name="customers")


@customers_app.command("duplicates")
def duplicates(limit: int = typer.Option(500, help="At most this many pairs.")) -> None:
    """Pairs of customers that are probably one legal entity (same name, or one's name is
    the other's alias, and no two different USCCs)."""
    locale = cli_locale()
    with runtime() as rt, rt.domain.read() as session:
        pairs = probable_duplicates(session, limit)
    table = Table("A", "name A", "USCC A", "B", "name B", "USCC B", "why")
    for p in pairs:
        why = _("same name") if p.why == "same_name" else _("alias")
        table.add_row(str(p.first_id), p.first_name, p.first_uscc or "-", str(p.second_id),
                      p.second_name, p.second_uscc or "-", why.render(locale))
    console.print(table)
    console.print(_("{n} probable duplicates. Merge with: creditbot customers merge A B --as "
                    "PERSON", n=len(pairs)).render(locale), highlight=False)


@customers_app.command("merge")
@domain_errors
def merge(
    loser: int = typer.Argument(..., help="The customer id merged away."),
    survivor: int = typer.Argument(..., help="The customer id that stays."),
    as_: str = typer.Option(..., "--as", help="The credit admin deciding it (audited)."),
    reason: str | None = typer.Option(None, help="Why (recorded in the audit trail)."),
) -> None:
    """Merge customer LOSER into SURVIVOR: accounts, ledger, aliases and USCC move; LOSER
    stays as a pointer to SURVIVOR. Needs the credit admin role where either has accounts."""
    with runtime() as rt:
        with rt.domain.read() as session:
            actor = acting_as(session, as_)
        with rt.domain.uow(actor) as uow:
            result = merge_customers(uow, actor, loser, survivor, reason)
            uow.commit()
    console.print(_("Customer {loser} merged into {survivor}: {moved} accounts moved, {folded} "
                    "folded into existing ones.", loser=result.loser_id,
                    survivor=result.survivor_id, moved=result.accounts_moved,
                    folded=result.accounts_folded).render(cli_locale()), highlight=False)
