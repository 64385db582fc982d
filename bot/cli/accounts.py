"""``creditbot accounts``: credit holds by hand — place one, release one — as a person who may
(a credit admin, finance manager, risk director or general manager of the unit; audited)."""

from __future__ import annotations

from collections.abc import Callable

import typer

from bot.cli.base import app, cli_locale, domain_errors, runtime
from bot.cli.lookup import find_person, pick_account, say
from credit_domain.access import Actor, load_actor
from credit_domain.accounts.holds import HoldResult, place_hold_as, release_hold_as
from credit_domain.i18n import Text, text_factory
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("bot")
accounts_app = typer.Typer(help="Credit accounts: place or release a credit hold (信用冻结).",
                           no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")

CUSTOMER_HELP = "USCC, name, alias or part of it."
AS_HELP = "Who acts: a login, email, employee number or name."


def _hold(customer: str, reason: str, person: str, bu: str | None,
          service: Callable[[UnitOfWork, Actor, int, str], HoldResult],
          done: Callable[[str, str], Text]) -> None:
    """Run a hold service as ``person`` on the customer's account and say what happened
    (``done(customer, unit)``)."""
    with runtime() as rt, rt.domain.read() as session:
        actor = load_actor(session, find_person(session, person).id)
        account = pick_account(session, customer, bu, actor)
        name, code = account.customer.legal_name, account.business_unit.code
        with rt.domain.uow(actor) as uow:
            service(uow, actor, account.id, reason)
            uow.commit()
    say(done(name, code).render(cli_locale()))


@accounts_app.command("release-hold")
@domain_errors
def release_hold(customer: str = typer.Argument(..., help=CUSTOMER_HELP),
                 reason: str = typer.Option(..., "--reason", help="Why (audited)."),
                 as_: str = typer.Option(..., "--as", help=AS_HELP),
                 bu: str | None = typer.Option(None, "--bu", help="Business unit code.")) -> None:
    """Release a customer's credit hold: new orders and shipments may go again."""
    _hold(customer, reason, as_, bu, release_hold_as, lambda name, code: _(
        "Released the credit hold of {customer} in {unit}.", customer=name, unit=code))


@accounts_app.command("place-hold")
@domain_errors
def place_hold(customer: str = typer.Argument(..., help=CUSTOMER_HELP),
               reason: str = typer.Option(..., "--reason", help="Why (audited)."),
               as_: str = typer.Option(..., "--as", help=AS_HELP),
               bu: str | None = typer.Option(None, "--bu", help="Business unit code.")) -> None:
    """Put a customer on credit hold: no new orders or shipments until it is released."""
    _hold(customer, reason, as_, bu, place_hold_as, lambda name, code: _(
        "{customer} is on credit hold in {unit}.", customer=name, unit=code))
