"""The home screen (Slack's App Home): greeting, the approval sections and the commands.

"Pending my decision" and "My applications" are placeholders until the approval workflow
registers its own sections under the same names."""

from __future__ import annotations

from bot.messages import Section
from credit_domain.i18n import text_factory
from handlers.help import command_line
from handlers.router import Context, router

_ = text_factory("handlers")


@router.home_section("welcome", order=0)
def welcome(ctx: Context) -> Section:
    return Section(title=ctx.t(_("Hello, {name}", name=ctx.actor.name)),
                   text=ctx.t(_("Ask me about a customer's credit with credit CUSTOMER, or "
                                "send help.")))


@router.home_section("pending", order=10, placeholder=True)
def pending(ctx: Context) -> Section:
    return Section(title=ctx.t(_("Pending my decision")),
                   text=ctx.t(_("Available once approvals are enabled.")))


@router.home_section("my_applications", order=20, placeholder=True)
def my_applications(ctx: Context) -> Section:
    return Section(title=ctx.t(_("My applications")),
                   text=ctx.t(_("Available once approvals are enabled.")))


@router.home_section("commands", order=90)
def commands(ctx: Context) -> Section:
    return Section(title=ctx.t(_("What I can do")),
                   fields=tuple(command_line(ctx, c) for c in ctx.router.visible_commands()))
