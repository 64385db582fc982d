"""``creditbot web``: web sign-in for people (dashboards)."""

from __future__ import annotations

import typer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.cli.base import app, console, domain_errors, err_console, runtime
from bot.web.auth import login_link
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import Person, PlatformIdentity

_ = text_factory("bot")
web_app = typer.Typer(help="Web sign-in (dashboards).", no_args_is_help=True)
app.add_typer(web_app, name="web")


def find_person(session: Session, ref: str) -> Person:
    """A person by id, email, employee number, chat login or exact name."""
    ref = ref.strip()
    if ref.isdigit():
        person = session.get(Person, int(ref))
        if person is not None:
            return person
    logins = select(PlatformIdentity.person_id).where(PlatformIdentity.external_id == ref)
    found = list(session.scalars(select(Person).where(or_(
        Person.email == ref, Person.employee_no == ref, Person.name == ref,
        Person.id.in_(logins)))))
    if not found:
        raise NotFound(_("Nobody called {ref} is enrolled.", ref=ref))
    if len(found) > 1:
        raise InvalidInput(_("{ref} matches several people; give their id.", ref=ref))
    return found[0]


@web_app.command("login-link")
@domain_errors
def login_link_command(
    person: str = typer.Argument(..., help="Person id, email, employee number, login or name."),
    next_path: str = typer.Option("/dashboard", "--next", help="Page to open after sign-in."),
    base_url: str = typer.Option(None, "--base-url",
                                 help="Server address (default http://CREDITBOT_HOST:PORT)."),
) -> None:
    """Print a one-time sign-in link (valid 15 minutes) for PERSON."""
    with runtime() as rt:
        if rt.settings.secret_key is None:
            err_console.print("CREDITBOT_SECRET_KEY is not set: the server signs links with a "
                              "key of its own, so no link made here can work. Set the same "
                              "CREDITBOT_SECRET_KEY for the server and this command.")
            raise typer.Exit(1)
        with rt.domain.read() as session:
            p = find_person(session, person)
            person_id, name = p.id, p.name
        base = base_url or f"http://{rt.settings.host}:{rt.settings.port}"
        link = base.rstrip("/") + login_link(rt, person_id, next_path)
    console.print(f"Sign-in link for {name} (one use, 15 minutes):")
    console.print(link, highlight=False, soft_wrap=True)
