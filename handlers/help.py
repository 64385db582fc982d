"""``help`` / ``帮助``: what the bot can do, in the reader's language; ``cancel`` / ``取消``."""

from __future__ import annotations

from bot.messages import Card, Field, Reply
from credit_domain.i18n import text_factory
from handlers.router import Args, CommandSpec, Context, UsageError, router

_ = text_factory("handlers")


def command_line(ctx: Context, spec: CommandSpec) -> Field:
    usage = ctx.t(spec.usage) if spec.usage else spec.display_name(ctx.locale)
    return Field(usage, ctx.t(spec.summary) if spec.summary else "", short=False)


@router.command("help", aliases=["?", "帮助"], usage=_("help [COMMAND]"),
                summary=_("What I can do, or how to use one command"), order=900)
def help_(ctx: Context, args: Args) -> Reply:
    """The list of commands, or the details of one."""
    if args.text:
        found = ctx.router.match(args.text)
        if found is None:
            raise UsageError(args.command, _("I have no command “{word}”.", word=args.text))
        return Reply(card=_command_card(ctx, found[0]))
    lines = tuple(command_line(ctx, spec) for spec in ctx.router.visible_commands())
    return Reply(card=Card(
        title=ctx.t(_("What I can do")),
        subtitle=ctx.t(_("Write to me in English or Chinese; amounts as you type them "
                         "(20万, 200,000, 1.5亿).")),
        fields=lines,
        footer=ctx.t(_("Send help COMMAND for details, e.g. help credit.")),
    ))


def _command_card(ctx: Context, spec: CommandSpec) -> Card:
    names = " / ".join(spec.words)
    fields = [Field(ctx.t(_("Usage")), ctx.t(spec.usage) if spec.usage else spec.name, False),
              Field(ctx.t(_("Also")), names, False)]
    if spec.examples:
        fields.append(Field(ctx.t(_("Examples")), "\n".join(spec.examples), False))
    return Card(title=spec.display_name(ctx.locale),
                subtitle=ctx.t(spec.summary) if spec.summary else None, fields=tuple(fields))


@router.command("cancel", aliases=["取消"], usage=_("cancel"),
                summary=_("Stop a question I asked you"), order=910)
def cancel(ctx: Context, args: Args) -> Reply:
    """Reached only when no dialogue is open (the pipeline ends open ones)."""
    return Reply(text=ctx.t(_("There is nothing to cancel.")))
