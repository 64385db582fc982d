"""``creditbot people``: enrol people and link their chat accounts."""

from __future__ import annotations

import typer
from rich.table import Table

from bot.cli.base import app, console, domain_errors, runtime
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import Role
from credit_domain.orgs.people import add_person, find_person, link_identity, list_people
from credit_domain.unit_of_work import ActorRef

_ = text_factory("bot")
people_app = typer.Typer(help="People, their roles and their chat identities.",
                         no_args_is_help=True)
app.add_typer(people_app, name="people")
ROLE_HELP = "One of: " + ", ".join(r.value for r in Role) + "."


@people_app.command("list")
def list_() -> None:
    """Everyone enrolled, with roles and linked chat accounts."""
    with runtime() as rt, rt.domain.read() as session:
        table = Table()
        for column in ("id", "name", "e-mail", "language", "roles", "identities", "active"):
            table.add_column(column, overflow="fold")  # ids must stay whole when narrow
        for p in list_people(session):
            roles = ", ".join(
                f"{r.business_unit.code}:{r.role}" + (f"@{r.team.code}" if r.team else "")
                for r in p.roles)
            identities = ", ".join(
                f"{i.platform}:{i.external_id}" + (f"@{i.tenant}" if i.tenant else "")
                for i in p.identities)
            table.add_row(str(p.id), p.name, p.email or "-", p.locale or "-", roles or "-",
                          identities or "-", "yes" if p.active else "no")
        console.print(table)


@people_app.command("add")
@domain_errors
def add(
    name: str = typer.Argument(..., help="The person's name, e.g. 王芳."),
    bu: str = typer.Option(..., "--bu", help="Business unit code, e.g. IND."),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    team: str | None = typer.Option(None, "--team", help="Team code (salespeople, managers)."),
    region: str | None = typer.Option(None, "--region", help="Region code (region directors)."),
    email: str | None = typer.Option(None, "--email", help="E-mail address (unique)."),
    lang: str | None = typer.Option(None, "--lang", help="zh or en; default: the platform's."),
) -> None:
    """Enrol a person with a role in a business unit."""
    with runtime() as rt, rt.domain.uow(ActorRef.system("cli")) as uow:
        person = add_person(uow, name, business_unit=bu, role=role, team=team, region=region,
                            email=email, locale=lang)
        uow.commit()
    console.print(f"Enrolled {person.name} as person {person.id} ({role} in {bu}). Link their "
                  f"chat account with: creditbot people link {person.id} --slack U…")


@people_app.command("link")
@domain_errors
def link(
    person: str = typer.Argument(..., help="Person id, e-mail, emulator login or name."),
    slack: str | None = typer.Option(None, "--slack", help="Slack member id (U…)."),
    wecom: str | None = typer.Option(None, "--wecom", help="WeCom userid."),
    dingtalk: str | None = typer.Option(None, "--dingtalk", help="DingTalk userid."),
    emulator: str | None = typer.Option(None, "--emulator", help="Emulator login."),
    tenant: str = typer.Option("", "--tenant",
                               help="Slack team / corp id when several are connected."),
) -> None:
    """Link a chat account to a person, so creditbot knows who is writing."""
    given = {k: v for k, v in {"slack": slack, "wecom": wecom, "dingtalk": dingtalk,
                                "emulator": emulator}.items() if v}
    if len(given) != 1:
        raise InvalidInput(_("Give exactly one of --slack, --wecom, --dingtalk, --emulator."))
    (platform, external_id), = given.items()
    with runtime() as rt, rt.domain.uow(ActorRef.system("cli")) as uow:
        who = find_person(uow.session, person)
        link_identity(uow, who, platform, external_id, tenant=tenant)
        uow.commit()
        name = who.name
    console.print(f"Linked {platform} user {external_id} to {name}.")
