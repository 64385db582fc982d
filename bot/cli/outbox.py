"""``creditbot outbox``: see what waits, what was sent and what gave up; send dead messages
again; purge old ones."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from bot.cli.base import app, cli_locale, console, domain_errors, runtime
from credit_domain.i18n import Text
from credit_domain.outbox.admin import counts, list_messages, purge_messages, retry_messages
from credit_domain.unit_of_work import ActorRef

outbox_app = typer.Typer(help="Outgoing messages: list, retry, purge.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("list")
@domain_errors
def list_(
    status: str = typer.Option(None, help="pending, sent or dead (default: all)."),
    kind: str = typer.Option(None, help="Kinds starting with this, e.g. alert."),
    limit: int = typer.Option(50, help="How many, newest first."),
) -> None:
    """Messages newest first, with attempts, next attempt and last error."""
    with runtime() as rt, rt.domain.read() as session:
        tz = ZoneInfo(rt.settings.scheduler_timezone)
        rows = list_messages(session, status=status, kind=kind, limit=limit)
        summary = counts(session)
    table = Table("id", "kind", "to", "status", "tries", "created", "next / sent", "title / error")
    for m in rows:
        title = m.payload.get("title")
        text = Text.from_json(title).render(cli_locale()) if isinstance(title, dict) else ""
        when = m.sent_at if m.sent_at else m.next_attempt_at
        table.add_row(str(m.id), m.kind, m.recipient, m.status, str(m.attempts),
                      f"{m.created_at.astimezone(tz):%m-%d %H:%M}",
                      f"{when.astimezone(tz):%m-%d %H:%M}",
                      (m.last_error or text)[:80])
    console.print(table)
    console.print(", ".join(f"{k}: {v}" for k, v in sorted(summary.items())) or "empty")


@outbox_app.command("retry")
@domain_errors
def retry(
    ids: list[int] = typer.Argument(None, help="Message ids (dead ones)."),
    all_dead: bool = typer.Option(False, "--all-dead", help="Every dead message."),
) -> None:
    """Send dead messages again: they become pending with a fresh count of attempts."""
    with runtime() as rt, rt.domain.uow(ActorRef.system("cli")) as uow:
        n = retry_messages(uow, ids or (), all_dead=all_dead)
        uow.commit()
    console.print(f"{n} message(s) will be sent again.")


@outbox_app.command("purge")
@domain_errors
def purge(
    older_than: int = typer.Option(30, help="Days; only messages created before that go."),
    dead: bool = typer.Option(False, "--dead", help="Purge dead messages too."),
) -> None:
    """Delete old sent (and with --dead, dead) messages. Pending ones are never purged."""
    import datetime as dt

    statuses = ("sent", "dead") if dead else ("sent",)
    with runtime() as rt, rt.domain.uow(ActorRef.system("cli")) as uow:
        n = purge_messages(uow, older_than=dt.timedelta(days=older_than), statuses=statuses)
        uow.commit()
    console.print(f"{n} message(s) purged.")
