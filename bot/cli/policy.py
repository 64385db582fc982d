"""``creditbot policy``: check, install, show and simulate policies (every registered kind;
``simulate`` is about approval routes)."""

from __future__ import annotations

import getpass
import pathlib
from decimal import Decimal
from typing import Any

import typer

from bot.cli.base import app, cli_locale, console, domain_errors, err_console, runtime
from bot.cli.lookup import find_person, pick_account, pick_unit, say
from credit_domain.accounts.models import CreditAccount
from credit_domain.applications.labels import KIND_LABELS, ROLE_LABELS, STEP_KIND_LABELS, label
from credit_domain.applications.policy import KIND as APPROVAL
from credit_domain.applications.routing import (
    RouteFacts,
    RoutePlan,
    plan_route,
    requester_scope,
    take_snapshot,
)
from credit_domain.clock import local_date
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.money import format_amount, parse_amount
from credit_domain.orgs.models import BusinessUnit
from credit_domain.policy.store import PolicyInvalid, default_content, kinds, parse_policy
from credit_domain.unit_of_work import ActorRef

_ = text_factory("bot")
policy_app = typer.Typer(help="Policies: approval routes, rules, scorecards, alerts.",
                         no_args_is_help=True)
app.add_typer(policy_app, name="policy")


def _kind_of(path: pathlib.Path, kind: str | None) -> str:
    if kind:
        return kind
    if path.stem in kinds():
        return path.stem
    return APPROVAL


def _check_one(label_: str, kind: str, content: str) -> bool:
    try:
        parse_policy(kind, content)
    except PolicyInvalid as exc:
        console.print(f"[red]{label_}: {len(exc.problems)} problem(s) ({kind} policy)[/red]")
        for p in exc.problems:
            say(f"  {p}", markup=False)
        return False
    console.print(f"[green]{label_}: valid ({kind} policy)[/green]")
    return True


@policy_app.command("check")
def check(
    file: pathlib.Path | None = typer.Argument(None, help="A policy file (YAML). Without it: "
                                               "every file of CREDITBOT_POLICY_DIR and the "
                                               "shipped defaults."),
    kind: str | None = typer.Option(None, help="The policy kind (default: the file's name, "
                                                "e.g. approval.yaml, else approval)."),
) -> None:
    """Validate policy files; print each problem with its line. Exit 1 on any problem."""
    targets: list[tuple[str, str, str]] = []
    if file is not None:
        if not file.is_file():
            err_console.print(f"[red]{file}: no such file[/red]")
            raise typer.Exit(1)
        targets.append((str(file), _kind_of(file, kind), file.read_text("utf-8")))
    else:
        with runtime() as rt:
            directory = rt.settings.policy_dir
        if directory is not None and directory.is_dir():
            for path in sorted(directory.glob("*/*.yaml")):
                if path.stem in kinds():
                    targets.append((str(path), path.stem, path.read_text("utf-8")))
        for name in sorted(kinds()):
            if kind is None or kind == name:
                targets.append((f"default {name}", name, default_content(name)))
    results = [_check_one(*t) for t in targets]
    if not all(results):
        raise typer.Exit(1)


@policy_app.command("install")
@domain_errors
def install(
    file: pathlib.Path = typer.Argument(..., help="The policy file (YAML)."),
    bu: str = typer.Option(..., "--bu", help="Business unit code, e.g. IND."),
    kind: str | None = typer.Option(None, help="The policy kind (default: from the file name)."),
) -> None:
    """Validate and install a policy for one business unit. An invalid file is refused and
    the policy in force stays."""
    content = file.read_text("utf-8")
    k = _kind_of(file, kind)
    with runtime() as rt, rt.domain.uow(ActorRef.system(f"cli:{getpass.getuser()}")) as uow:
        unit = pick_unit(uow.session, bu)
        version = rt.domain.policies.install(uow, unit.id, k, content, source=str(file))
        uow.commit()
    console.print(f"{k} policy version {version.version} is in force for {unit.code} "
                  f"({version.sha256[:12]}).")


@policy_app.command("show")
@domain_errors
def show(
    bu: str = typer.Option(..., "--bu", help="Business unit code."),
    kind: str = typer.Option(APPROVAL, help="The policy kind."),
) -> None:
    """Print the policy in force (the shipped default until one is installed)."""
    with runtime() as rt, rt.domain.read() as session:
        unit = pick_unit(session, bu)
        active = rt.domain.policies.active_version(session, unit.id, kind)
    if active is None:
        say(f"# {kind} policy of {unit.code}: the shipped default")
        console.print(default_content(kind), highlight=False, markup=False)
    else:
        say(f"# {kind} policy of {unit.code}: version {active.version}, installed by "
            f"{active.created_by} at {active.created_at:%Y-%m-%d %H:%M} UTC", markup=False)
        console.print(active.content, highlight=False, markup=False)


@policy_app.command("simulate")
@domain_errors
def simulate(
    customer: str = typer.Option(..., help="Customer name, alias or USCC."),
    type_: str = typer.Option(..., "--type", help="initial | increase | temporary | "
                                                   "order_release"),
    amount: str = typer.Option(..., help="Amount as people type it: 200000, 20万, ￥1.5亿. "
                                         "For increase: the new limit."),
    bu: str | None = typer.Option(None, "--bu", help="Business unit code, when the customer "
                                                      "has accounts in several."),
    requester: str | None = typer.Option(None, help="Who would ask (login, email or name); "
                                                    "default: the account's owner."),
    days: int = typer.Option(30, help="Window of a temporary limit, in days."),
) -> None:
    """Print the route an application would take, step by step, with the rule that chose
    each step and the people who would decide. Nothing is stored."""
    loc = cli_locale()
    value = parse_amount(amount)
    if type_ not in KIND_LABELS:
        raise InvalidInput(_("Unknown application type {kind}; use one of: {kinds}",
                             kind=type_, kinds=", ".join(KIND_LABELS)))
    with runtime() as rt, rt.domain.read() as session:
        account = pick_account(session, customer, bu)
        unit = session.get(BusinessUnit, account.business_unit_id)
        assert unit is not None
        who = find_person(session, requester).id if requester else account.owner_id
        policy = rt.domain.policies.get(unit.id, APPROVAL)
        version = rt.domain.policies.active_version(session, unit.id, APPROVAL)
        snapshot = take_snapshot(session, account, local_date(rt.domain.clock.now(),
                                                              unit.timezone))
        facts = RouteFacts(type_, value, snapshot, days=days if type_ == "temporary" else 0,
                           industry=account.customer.industry)
        plan = plan_route(session, policy, facts, requester_scope(session, account, who))
        _print_plan(account, unit, snapshot, facts, plan, loc,
                    version.version if version else 0)


def _print_plan(account: CreditAccount, unit: BusinessUnit, snapshot: dict[str, Any],
                facts: RouteFacts, plan: RoutePlan, loc: str, version: int) -> None:
    def money(key: str) -> str:
        return format_amount(Decimal(str(snapshot[key])), loc, unit.currency)

    score = snapshot.get("score")
    rating = f"grade {snapshot.get('grade') or 'unrated'}" + (
        f" (score {score:.0f})" if isinstance(score, float | int) else "")
    say(f"{account.customer.legal_name} in {unit.code} {unit.name}: limit {money('limit')}, "
        f"temporary {money('temporary')}, exposure {money('exposure')}, available "
        f"{money('available')}, overdue {money('overdue')}, {rating}", markup=False)
    say(f"Request: {label(KIND_LABELS, facts.kind).render(loc)} of "
        f"{format_amount(facts.amount, loc, unit.currency)}", markup=False)
    for note in plan.notes:
        say(f"  · {note}", markup=False)
    when = plan.route_condition or "it is the default route"
    say(f"Route: {plan.route}, chosen because {when} (approval policy version "
        f"{version or 'default'})", markup=False)
    if plan.description:
        say(f"  {plan.description}", markup=False)
    for step in plan.steps:
        s = step.settings
        people = "、".join(p.name for p in step.approvers)
        if step.via == "fallback":
            people += " (no one holds the role for this requester: its escalation role)"
        escalate = (f", escalates to {label(ROLE_LABELS, s.escalate_to.value).render(loc)}"
                    if s.escalate_to else "")
        condition = f" ({step.condition})" if step.condition else ""
        say(f"  {step.position}. {step.title.render(loc)}: {people}\n"
            f"     {label(STEP_KIND_LABELS, s.kind.value).render(loc)}, SLA {s.sla_hours:g} "
            f"business hours (reminder after {s.remind_after_hours:g}){escalate}"
            f"{', transferable' if s.allow_transfer else ''}\n"
            f"     chosen by: {step.rule}{condition}", markup=False)
    cc = "、".join(p.name for p in plan.cc) or "-"
    channels = ", ".join(plan.cc_channels)
    say(f"CC: {cc}" + (f"; channels {channels}" if channels else ""), markup=False)
