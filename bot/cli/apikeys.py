"""``creditbot apikey``: keys for ERP, CRM and BI integrations."""

from __future__ import annotations

import typer
from rich.table import Table

from bot.cli.base import app, console, domain_errors, runtime
from credit_domain.apikeys.services import SCOPES, create_key, list_keys, revoke_key
from credit_domain.unit_of_work import ActorRef

SCOPE_HELP = "One of: " + ", ".join(SCOPES) + "; repeat for several."
key_app = typer.Typer(help="API keys for integrations (stored hashed, scoped, revocable).",
                      no_args_is_help=True)
app.add_typer(key_app, name="apikey")


@key_app.command("create")
@domain_errors
def create(
    name: str = typer.Argument(..., help="What the key is for, e.g. 'SAP production'."),
    bu: list[str] = typer.Option(..., "--bu", help="Business unit code; repeat for several."),
    scope: list[str] = typer.Option(..., "--scope", help=SCOPE_HELP),
    rate_limit: int = typer.Option(600, help="Requests per minute."),
) -> None:
    """Create a key. The token is printed once; only its hash is stored."""
    with runtime() as rt, rt.domain.uow(ActorRef.system("cli")) as uow:
        key, token = create_key(uow, name, business_unit_codes=bu, scopes=scope,
                                rate_limit_per_minute=rate_limit)
        uow.commit()
    console.print(f"API key {key.prefix} created for {name}. Token (shown once, keep it safe):")
    console.print(token, highlight=False, soft_wrap=True)


@key_app.command("list")
def list_() -> None:
    """List keys (never their secrets)."""
    with runtime() as rt, rt.domain.read() as session:
        table = Table("id", "prefix", "name", "scopes", "units", "created", "last used", "state")
        for k in list_keys(session):
            table.add_row(str(k.id), k.prefix, k.name, ", ".join(k.scopes),
                          ", ".join(map(str, k.business_unit_ids)), f"{k.created_at:%Y-%m-%d}",
                          f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "-",
                          "revoked" if k.revoked_at else "active")
        console.print(table)


@key_app.command("revoke")
@domain_errors
def revoke(key: str = typer.Argument(..., help="The key's id or prefix.")) -> None:
    """Revoke a key at once; requests with it are refused from now on."""
    with runtime() as rt, rt.domain.uow(ActorRef.system("cli")) as uow:
        k = revoke_key(uow, key)
        uow.commit()
    console.print(f"API key {k.prefix} ({k.name}) is revoked.")
