"""``creditbot rules``: check, install, show and simulate the rules policy."""

from __future__ import annotations

import datetime as dt
import pathlib
import re

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from bot.cli.acting import acting_as
from bot.cli.base import app, cli_locale, console, domain_errors, err_console, runtime
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.orgs.lookup import business_unit_by_code
from credit_domain.orgs.models import BusinessUnit, Role
from credit_domain.policy.store import PolicyInvalid, parse_policy
from credit_domain.rules.policy import RulesPolicy
from credit_domain.rules.simulate import simulate

_ = text_factory("bot")
rules_app = typer.Typer(help="Credit rules: when an event happens, if a condition holds, act.",
                        no_args_is_help=True)
app.add_typer(rules_app, name="rules")
SINCE = re.compile(r"^(\d+)([dwm])$")


def parse_since(value: str, today: dt.date) -> dt.date:
    """``90d``, ``12w``, ``6m`` (30-day months) or a date ``2026-01-01``."""
    m = SINCE.match(value.strip().lower())
    if m:
        days = int(m[1]) * {"d": 1, "w": 7, "m": 30}[m[2]]
        return today - dt.timedelta(days=days)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Give --since as 90d, 12w, 6m or a date like 2026-01-01; not "
                             "{value}.", value=value)) from None


def _problems(exc: PolicyInvalid) -> None:
    err_console.print(f"[red]{exc.localized(cli_locale())}[/red]", highlight=False)


@rules_app.command("check")
def check(file: pathlib.Path | None = typer.Argument(
        None, help="A rules file; default: every rules.yaml in CREDITBOT_POLICY_DIR.")) -> None:
    """Validate a rules file (nothing is installed). Exit 1 when anything is wrong."""
    files = [file] if file else []
    if file is None:
        with runtime() as rt:
            directory = rt.domain.policies.directory
            files = sorted(directory.glob("*/rules.yaml")) if directory else []
    if not files:
        err_console.print(_("No rules file to check: give FILE or set CREDITBOT_POLICY_DIR.")
                          .render(cli_locale()))
        raise typer.Exit(1)
    failed = False
    for path in files:
        try:
            policy = parse_policy("rules", path.read_text("utf-8"))
        except PolicyInvalid as exc:
            failed = True
            console.print(f"[red]✗ {path}[/red]", highlight=False)
            _problems(exc)
            continue
        assert isinstance(policy, RulesPolicy)
        names = ", ".join(r.name for r in policy.rules) or "-"
        console.print(f"[green]✓ {path}[/green] " + _(
            "{n} rules: {names}", n=len(policy.rules), names=names).render(cli_locale()),
            highlight=False)
    if failed:
        raise typer.Exit(1)


@rules_app.command("install")
@domain_errors
def install(
    file: pathlib.Path = typer.Argument(..., help="The rules file."),
    bu: str = typer.Option(..., "--bu", help="Business unit code."),
    as_: str | None = typer.Option(None, "--as", help="Who installs it (recorded)."),
) -> None:
    """Install a rules file for a business unit: validated, versioned with who installed it,
    and in force everywhere within seconds (no restart). A bad file changes nothing."""
    with runtime() as rt:
        with rt.domain.read() as session:
            unit = _unit(session, bu)
            actor = acting_as(session, as_)
        if as_ is not None:  # rules are credit policy: its owners install them
            actor.require_role(unit.id, Role.CREDIT_ADMIN, Role.RISK_DIRECTOR,
                               Role.GENERAL_MANAGER, action="install_rules",
                               target=f"policy:rules:{bu}")
        try:
            with rt.domain.uow(actor) as uow:
                version = rt.domain.policies.install(uow, unit.id, "rules",
                                                     file.read_text("utf-8"), source=str(file))
                uow.commit()
        except PolicyInvalid as exc:
            _problems(exc)
            raise typer.Exit(1) from None
    console.print(_("Rules version {version} is in force for {bu} (installed by {who}).",
                    version=version.version, bu=bu,
                    who=version.created_by).render(cli_locale()), highlight=False)


def _unit(session: Session, code: str) -> BusinessUnit:
    return business_unit_by_code(session, code)


@rules_app.command("show")
@domain_errors
def show(bu: str = typer.Option(..., "--bu", help="Business unit code.")) -> None:
    """The rules in force for a business unit, with their version and who installed it."""
    with runtime() as rt, rt.domain.read() as session:
        unit = _unit(session, bu)
        active = rt.domain.policies.active_version(session, unit.id, "rules")
        policy: RulesPolicy = rt.domain.policies.get(unit.id, "rules", session)
    origin = (f"version {active.version}, {active.created_by}, {active.created_at:%Y-%m-%d %H:%M}"
              if active else _("the shipped default").render(cli_locale()))
    table = Table("rule", "when", "if", "then", "cooldown", title=f"{bu}: {origin}")
    for r in policy.rules:
        table.add_row(r.name + ("" if r.enabled else " (off)"), r.when, r.condition.source,
                      ", ".join(a.type for a in r.then), f"{r.cooldown_days}d" if
                      r.cooldown_days else "-")
    console.print(table)


@rules_app.command("simulate")
@domain_errors
def simulate_(
    since: str = typer.Option("90d", help="How far back: 90d, 12w, 6m or a date."),
    bu: list[str] = typer.Option([], "--bu", help="Business unit code; repeat for several."),
    file: pathlib.Path | None = typer.Option(None, "--file",
                                             help="Simulate this rules file instead."),
) -> None:
    """Replay stored history (orders checked, payments, overdue invoices) and print what each
    rule would have done. Changes nothing."""
    locale = cli_locale()
    with runtime() as rt:
        candidate = None
        if file is not None:
            try:
                candidate = parse_policy("rules", file.read_text("utf-8"))
            except PolicyInvalid as exc:
                _problems(exc)
                raise typer.Exit(1) from None
        start = parse_since(since, rt.domain.clock.now().date())
        sim = simulate(rt.domain, start, business_unit_codes=bu or None,
                       policy=candidate)  # type: ignore[arg-type]
    table = Table("date", "unit", "rule", "on", "customer", "would do", show_lines=True)
    for f in sim.firings:
        todo = "\n".join(a.render(locale) for a in f.actions) or f"[red]{f.error}[/red]"
        table.add_row(f"{f.on}", f.business_unit, f.rule, f.subject, f.customer, todo)
    console.print(table)
    replayed = ", ".join(f"{n} {name}" for name, n in sorted(sim.replayed.items())) or "0"
    console.print(_("Replayed since {since}: {replayed}; {n} firings. Nothing was changed.",
                    since=sim.since, replayed=replayed, n=len(sim.firings)).render(locale),
                  highlight=False)
    if sim.orders_without_check:
        console.print(_("{n} orders stored before credit checks were kept were not replayed.",
                        n=sim.orders_without_check).render(locale), highlight=False)
