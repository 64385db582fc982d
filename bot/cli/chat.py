"""``creditbot chat --as PERSON``: the conversation in a terminal, one message per line;
replies are printed as text, so a pipe can drive it (``echo "credit 华为" | creditbot chat
--as wangfang``)."""

from __future__ import annotations

import sys
import uuid

import typer

from bot.cli.base import app, cli_locale, domain_errors, runtime
from bot.delivery import conversations
from bot.messages import Capabilities, Command, Envelope
from credit_domain.orgs.people import find_person

TERMINAL = Capabilities(markdown=False)  # no buttons, no forms: numbered choices instead


@app.command("chat")
@domain_errors
def chat(
    as_: str = typer.Option(..., "--as", help="Person id, e-mail, emulator login or name."),
) -> None:
    """Chat with creditbot as PERSON in the terminal (empty line or Ctrl-D ends)."""
    interactive = sys.stdin.isatty()
    with runtime() as rt:
        with rt.domain.read() as session:
            person = find_person(session, as_)
            person_id, name = person.id, person.name
        pipeline = conversations(rt)
        caps = Capabilities(markdown=False, default_locale=cli_locale())
        if interactive:
            typer.echo(f"creditbot — chatting as {name}. Try: help, credit 华为. "
                       "Ctrl-D to leave.")
        while True:
            if interactive:
                typer.echo("> ", nl=False)
            line = sys.stdin.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            envelope = Envelope(platform="cli", tenant="", user_id=f"person:{person_id}",
                                conversation_id=f"cli:{person_id}",
                                event_id=uuid.uuid4().hex, person_id=person_id)
            for reply in pipeline.handle(Command(envelope, text), caps):
                typer.echo(reply.as_text())
                typer.echo("")
