"""``creditbot app``: credit applications from the terminal: list, show a timeline, and act
as a person (submit, approve, reject, return, resubmit, withdraw, transfer, comment), plus
the SLA check the scheduler runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.cli.base import app, cli_locale, console, domain_errors, runtime
from bot.cli.lookup import find_person, pick_account, pick_unit, say
from credit_domain import applications as wf
from credit_domain.access import Actor, load_actor
from credit_domain.applications.labels import (
    ACTION_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    label,
)
from credit_domain.applications.models import ApplicationStatus
from credit_domain.bootstrap import Domain
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.money import format_amount, parse_amount
from credit_domain.orgs.models import BusinessUnit

_ = text_factory("bot")
app_cmd = typer.Typer(help="Credit applications (授信申请): list, show, and act as a person.",
                      no_args_is_help=True)
app.add_typer(app_cmd, name="app")

AS_HELP = "Who acts: a login, email, employee number or name."
# Tables keep their columns readable when the output is piped (rich assumes 80 columns).
tables = Console(width=None if console.is_terminal else 160)


def _actor(domain: Domain, who: str) -> Actor:
    with domain.read() as session:
        return load_actor(session, find_person(session, who).id)


def _app_id(domain: Domain, ref: str) -> int:
    with domain.read() as session:
        return wf.find_application(session, ref).id


def _local(at: dt.datetime | None, tz: str) -> str:
    return "-" if at is None else f"{at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}"


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("{value} is not a date like 2026-03-31.", value=value)) from None


def _act(who: str, ref: str, service: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run a decision service as ``who`` on application ``ref``, commit, print the state."""
    with runtime() as rt:
        actor = _actor(rt.domain, who)
        app_id = _app_id(rt.domain, ref)
        with rt.domain.uow(actor) as uow:
            service(uow, actor, app_id, *args, **kwargs)
            uow.commit()
        _print_timeline(rt.domain, actor, str(app_id))


# -- reading -----------------------------------------------------------------------------------
@app_cmd.command("list")
@domain_errors
def list_(
    pending_for: str | None = typer.Option(None, help="Decisions waiting for this person."),
    mine: str | None = typer.Option(None, help="Applications this person requested."),
    customer: str | None = typer.Option(None, help="Applications of one customer."),
    bu: str | None = typer.Option(None, "--bu", help="Business unit code."),
    status: list[str] = typer.Option([], help="Only these statuses (repeat)."),
    limit: int = typer.Option(50, help="At most this many."),
) -> None:
    """List applications: all (for the operator), pending for a person, a person's own,
    or one customer's."""
    loc = cli_locale()
    statuses = [ApplicationStatus(s) for s in status]
    with runtime() as rt, rt.domain.read() as session:
        system = Actor.system("cli")
        if pending_for:
            person = find_person(session, pending_for)
            waiting = wf.pending_for(session, person.id, limit=limit)
            table = Table("number", "customer", "type", "amount", "step", "since", "due")
            for p in waiting:
                a = p.application
                table.add_row(a.number, a.customer, label(KIND_LABELS, a.kind).render(loc),
                              format_amount(a.amount, loc), p.step.render(loc),
                              _local(p.since, "Asia/Shanghai"), _local(p.due_at, "Asia/Shanghai"))
            tables.print(table)
            return
        if mine:
            rows = wf.my_applications(session, load_actor(session, find_person(session, mine).id),
                                      statuses=statuses, limit=limit)
        elif customer:
            account = pick_account(session, customer, bu)
            rows = wf.for_customer(session, system, account.id, limit=limit)
        else:
            bu_id = pick_unit(session, bu).id if bu else None
            rows = wf.list_applications(session, system, statuses=statuses,
                                        business_unit_id=bu_id, limit=limit)
        table = Table("number", "customer", "type", "amount", "status", "pending with",
                      "requester", "submitted")
        for a in rows:
            table.add_row(a.number, a.customer, label(KIND_LABELS, a.kind).render(loc),
                          format_amount(a.amount, loc), label(STATUS_LABELS, a.status).render(loc),
                          "、".join(a.pending_with) or "-", a.requester or "creditbot",
                          _local(a.submitted_at, "Asia/Shanghai"))
        tables.print(table)


@app_cmd.command("show")
@domain_errors
def show(ref: str = typer.Argument(..., help="APP-2026-000123 or the id.")) -> None:
    """The timeline of one application: who did what when, what is pending with whom."""
    with runtime() as rt:
        _print_timeline(rt.domain, Actor.system("cli"), ref)


def _print_timeline(domain: Domain, actor: Actor, ref: str) -> None:
    loc = cli_locale()
    with domain.read() as session:
        t = wf.timeline(session, actor, ref, domain.clock.now())
        unit = session.get(BusinessUnit, t.application.business_unit_id)
        assert unit is not None
    _print_header(t, unit, loc)
    for e in t.entries:
        step = f" ({e.step.render(loc)})" if e.step else ""
        note = f": {e.note}" if e.note else ""
        details = ""
        if e.action == "effect_applied" and e.details:
            details = " " + _effect(e.details, loc)
        elif e.action in ("transferred", "escalated") and e.details:
            details = f" → {e.details.get('to')}"
        action = label(ACTION_LABELS, e.action).render(loc)
        say(f"  {_local(e.at, unit.timezone)}  {e.actor}: {action}{step}{note}{details}",
            markup=False)
    for p in t.pending:
        late = " OVERDUE" if p.overdue else ""
        say(f"  pending with {p.person} ({p.step.render(loc)}, step {p.step_position}) since "
            f"{_local(p.since, unit.timezone)}, due {_local(p.due_at, unit.timezone)}{late}",
            markup=False)
    for position, title, people in t.upcoming:
        say(f"  then step {position}: {title.render(loc)}: {'、'.join(people)}", markup=False)


def _print_header(t: wf.queries.Timeline, unit: BusinessUnit, loc: str) -> None:
    a = t.application
    kind = label(KIND_LABELS, a.kind).render(loc)
    status = label(STATUS_LABELS, a.status).render(loc)
    say(f"[bold]{a.number}[/bold] {escape(t.customer)} ({unit.code}): {kind} "
        f"{format_amount(a.requested_amount, loc)}: [bold]{status}[/bold]")
    extra = []
    if a.valid_from and a.valid_to:
        extra.append(f"valid {a.valid_from} – {a.valid_to}")
    if a.term_days:
        extra.append(f"terms {a.term_days} days")
    version = a.policy_version if a.policy_version else "default"
    say(f"  requester {t.requester or a.origin}; route {a.route or '-'} (policy version "
        f"{version}); round {a.round}; version {a.version}"
        + "".join(f"; {x}" for x in extra), markup=False)
    if a.attachments:
        say("  attachments: " + " ".join(a.attachments), markup=False)
    if a.snapshot:
        s = a.snapshot
        figures = ", ".join(f"{k} {format_amount(Decimal(s[k]), loc)}" for k in
                            ("limit", "temporary", "exposure", "available", "overdue"))
        say(f"  at submission: {figures}, grade {s.get('grade') or '-'}, score "
            f"{s.get('score') or '-'}" + (", ON HOLD" if s.get("on_hold") else ""),
            markup=False)


def _effect(effect: dict[str, Any], loc: str) -> str:
    after = effect.get("after") or {}
    before = effect.get("before") or {}
    if effect.get("type") == "limit":
        return (f"credit limit {format_amount(Decimal(before['credit_limit']), loc)} → "
                f"{format_amount(Decimal(after['credit_limit']), loc)}, payment terms "
                f"{after.get('payment_terms_days')} days")
    if effect.get("type") == "temporary_limit":
        return (f"temporary limit {format_amount(Decimal(after['amount']), loc)} from "
                f"{after['valid_from']} to {after['valid_to']}")
    return f"order {effect.get('order')} {before.get('status')} → {after.get('status')}"


# -- acting as a person -----------------------------------------------------------------------
@app_cmd.command("submit")
@domain_errors
def submit(
    who: str = typer.Option(..., "--as", help=AS_HELP),
    customer: str = typer.Option(..., help="Customer name, alias or USCC."),
    type_: str = typer.Option(..., "--type", help="initial | increase | temporary | "
                                                   "order_release"),
    reason: str = typer.Option(..., help="Why the customer needs it."),
    amount: str | None = typer.Option(None, help="200000, 20万…; for increase the NEW limit; "
                                                 "order_release takes the order's amount."),
    bu: str | None = typer.Option(None, "--bu", help="Business unit code."),
    valid_from: str | None = typer.Option(None, "--from", help="Temporary: first day."),
    valid_to: str | None = typer.Option(None, "--to", help="Temporary: last day."),
    term_days: int | None = typer.Option(None, "--terms", help="Payment terms in days."),
    order: str | None = typer.Option(None, help="order_release: the blocked order's number."),
    attach: list[str] = typer.Option([], help="A link to an attachment (repeat)."),
) -> None:
    """Submit an application as a person (who must see the customer's account)."""
    with runtime() as rt:
        actor = _actor(rt.domain, who)
        with rt.domain.read() as session:
            account_id = pick_account(session, customer, bu, actor).id
        request = wf.ApplicationRequest(
            account_id=account_id, kind=type_, amount=parse_amount(amount) if amount else None,
            reason=reason, valid_from=_date(valid_from), valid_to=_date(valid_to),
            term_days=term_days, attachments=tuple(attach), order_external_id=order)
        with rt.domain.uow(actor) as uow:
            created = wf.submit(uow, rt.domain.policies, actor, request)
            uow.commit()
        _print_timeline(rt.domain, actor, created.number)


@app_cmd.command("approve")
@domain_errors
def approve(ref: str = typer.Argument(...), who: str = typer.Option(..., "--as", help=AS_HELP),
            comment: str | None = typer.Option(None, help="An optional comment.")) -> None:
    """Approve your pending step of an application."""
    _act(who, ref, wf.approve, comment=comment)


@app_cmd.command("reject")
@domain_errors
def reject(ref: str = typer.Argument(...), who: str = typer.Option(..., "--as", help=AS_HELP),
           reason: str = typer.Option(..., help="Why (required).")) -> None:
    """Reject an application (final; no limit changes)."""
    _act(who, ref, wf.reject, reason)


@app_cmd.command("return")
@domain_errors
def return_(ref: str = typer.Argument(...), who: str = typer.Option(..., "--as", help=AS_HELP),
            reason: str = typer.Option(..., help="What is missing (required).")) -> None:
    """退回: send an application back to its requester for more information."""
    _act(who, ref, wf.return_for_info, reason)


@app_cmd.command("resubmit")
@domain_errors
def resubmit(ref: str = typer.Argument(...), who: str = typer.Option(..., "--as", help=AS_HELP),
             amount: str | None = typer.Option(None, help="A new amount."),
             reason: str | None = typer.Option(None, help="A new reason.")) -> None:
    """Resubmit a returned application, amended as given (a new approval round)."""
    with runtime() as rt:
        actor = _actor(rt.domain, who)
        app_id = _app_id(rt.domain, ref)
        with rt.domain.uow(actor) as uow:
            wf.resubmit(uow, rt.domain.policies, actor, app_id,
                        amount=parse_amount(amount) if amount else None, reason=reason)
            uow.commit()
        _print_timeline(rt.domain, actor, str(app_id))


@app_cmd.command("withdraw")
@domain_errors
def withdraw(ref: str = typer.Argument(...), who: str = typer.Option(..., "--as", help=AS_HELP),
             reason: str | None = typer.Option(None, help="Why (optional).")) -> None:
    """Withdraw your application before its final decision."""
    _act(who, ref, wf.withdraw, reason)


@app_cmd.command("transfer")
@domain_errors
def transfer(ref: str = typer.Argument(...), who: str = typer.Option(..., "--as", help=AS_HELP),
             to: str = typer.Option(..., help="The colleague (same role) who takes the step."),
             note: str | None = typer.Option(None, help="A note for them.")) -> None:
    """转交: hand your pending step to a colleague holding the same role."""
    with runtime() as rt, rt.domain.read() as session:
        target = find_person(session, to).id
    _act(who, ref, wf.transfer, target, note=note)


@app_cmd.command("comment")
@domain_errors
def comment(ref: str = typer.Argument(...), text: str = typer.Argument(...),
            who: str = typer.Option(..., "--as", help=AS_HELP)) -> None:
    """Comment on an application (the requester and pending approvers are told)."""
    _act(who, ref, wf.comment, text)


@app_cmd.command("sla")
@domain_errors
def sla(dry_run: bool = typer.Option(False, "--dry-run", help="Only list what is due.")) -> None:
    """Remind and escalate approval steps whose SLA needs it now (the scheduler does this on
    every tick)."""
    with runtime() as rt:
        with rt.domain.read() as session:
            items = wf.sla_status(session, rt.domain.clock.now())
        for item in items:
            say(f"{item.number} step {item.step_id}: {item.state} (due "
                f"{_local(item.due_at, 'Asia/Shanghai')})")
        if not dry_run:
            report = wf.run_sla_checks(rt.domain)
            console.print(f"{report.reminded} reminded, {report.escalated} escalated, "
                          f"{len(report.failed)} failed.")
