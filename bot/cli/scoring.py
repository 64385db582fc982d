"""``creditbot score``, ``creditbot bureau``, ``creditbot customer`` and
``creditbot fake-bureau``: scores and their explanations, the backtest, bureau refresh, the
360° customer view and the fake bureau server."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.cli.base import app, cli_locale, console, domain_errors, runtime
from credit_domain.access import Actor, load_actor
from credit_domain.bureau.services import refresh_bureau
from credit_domain.customer360.services import CustomerView, customer_view, resolve_customer
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.money import format_amount
from credit_domain.orgs.models import BusinessUnit, Person, PlatformIdentity
from credit_domain.scoring.backtest import backtest
from credit_domain.scoring.indicators import INDICATORS
from credit_domain.scoring.models import CreditScore
from credit_domain.scoring.services import recompute_all

_ = text_factory("bot")
score_app = typer.Typer(help="Credit scores: show, recompute, backtest.", no_args_is_help=True)
bureau_app = typer.Typer(help="Bureau (company data) refresh.", no_args_is_help=True)
customer_app = typer.Typer(help="The 360° customer view.", no_args_is_help=True)
fake_app = typer.Typer(help="The fake bureau server (demo and tests).", no_args_is_help=True)
app.add_typer(score_app, name="score")
app.add_typer(bureau_app, name="bureau")
app.add_typer(customer_app, name="customer")
app.add_typer(fake_app, name="fake-bureau")
wide = Console(width=max(console.width, 120))
AS_HELP = "Whose view: an emulator login, email or name (default: the system, sees all)."


def actor_for(session: Session, who: str | None) -> Actor:
    """The person named by login, email or name, with their roles; the system when None."""
    if not who:
        return Actor.system("cli")
    person_id = session.scalar(select(PlatformIdentity.person_id).where(
        PlatformIdentity.external_id == who).limit(1)) or session.scalar(
        select(Person.id).where(or_(Person.email == who, Person.name == who)).limit(1))
    if person_id is None:
        raise NotFound(_("No person is known as {who}.", who=who))
    return load_actor(session, person_id)


def unit_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    found = session.scalar(select(BusinessUnit.id).where(BusinessUnit.code == code.upper()))
    if found is None:
        raise InvalidInput(_("Unknown business unit {code}.", code=code))
    return found


def _value(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def print_score(row: CreditScore, title: str) -> None:
    """The score, grade and each indicator's contribution (they sum to the score)."""
    loc = cli_locale()
    exp = row.explanation
    table = Table(title=title, show_footer=True)
    for col in ("indicator", "value", "points", "weight", "contribution", "note"):
        table.add_column(col, justify="right" if col in ("points", "weight", "contribution")
                         else "left")
    total, dimension = Decimal("0.00"), None
    for c in exp["contributions"]:
        if c["dimension"] != dimension:
            dimension = c["dimension"]
            table.add_row(f"[bold]{dimension}[/bold]", "", "", "", "", "")
        info = INDICATORS.get(c["indicator"])
        label = info.label.render(loc) if info else c["indicator"]
        total += Decimal(c["contribution"])
        note = c["note"] if c["status"] == "scored" else f"{c['status']}: {c['note']}"
        money_unit = info is not None and info.unit == "CNY" and c["value"] is not None
        shown = format_amount(Decimal(str(c["value"])), loc) if money_unit else _value(c["value"])
        table.add_row("  " + label, shown,
                      c["points"] if c["status"] != "excluded" else "—",
                      f"{Decimal(c['weight']) * 100:.1f}%", c["contribution"], note)
    table.columns[4].footer = str(total)
    table.columns[0].footer = "score"
    wide.print(table)
    limit = format_amount(row.suggested_limit, loc) if row.suggested_limit is not None else "—"
    console.print(f"Score {row.score:.2f} → grade [bold]{row.grade}[/bold] "
                  f"(by points: {exp['points_grade']}); suggested limit {limit}"
                  + (f" ({exp['limit_note']})" if exp.get("limit_note") else "")
                  + f"; scorecard version {row.policy_version}; computed "
                  f"{row.computed_at:%Y-%m-%d %H:%M} UTC ({row.trigger}).", highlight=False)
    for cap in exp.get("caps", []):
        console.print(f"  capped: {cap}", highlight=False)


@score_app.command("show")
@domain_errors
def score_show(customer: str = typer.Argument(..., help="USCC, name, alias or part of it."),
               as_: str | None = typer.Option(None, "--as", help=AS_HELP)) -> None:
    """Show the latest score of a customer in each business unit, and why."""
    view = _view(customer, as_)
    for acc in view.accounts:
        title = f"{view.legal_name} — {acc.business_unit}"
        if acc.score_row is None:
            console.print(f"{title}: not scored yet (run `creditbot score recompute`).")
        else:
            print_score(acc.score_row, title)


@score_app.command("recompute")
@domain_errors
def score_recompute(bu: str | None = typer.Option(None, "--bu", help="Business unit code."),
                    ) -> None:
    """Rescore every open account now (the nightly job does the same)."""
    with runtime() as rt:
        with rt.domain.read() as session:
            bu_id = unit_id(session, bu)
        result = recompute_all(rt.domain, business_unit_id=bu_id, trigger="manual")
    console.print(f"Scored {result.computed} accounts; {result.changed} new or changed scores; "
                  f"{len(result.failures)} failed.")
    for aid, reason in result.failures:
        console.print(f"  account {aid}: {reason}", highlight=False)
    if result.failures:
        raise typer.Exit(1)


@score_app.command("backtest")
@domain_errors
def score_backtest(
    since: dt.datetime = typer.Option(..., formats=["%Y-%m-%d"], help="Score as of this date."),
    until: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"],
                                             help="End of the outcome window (default today)."),
    outcome: str = typer.Option("overdue90", help="What counts as bad: overdue90."),
    bu: str | None = typer.Option(None, "--bu", help="Business unit code."),
) -> None:
    """How well today's scorecard, applied at --since, separated the customers who then went
    90+ days overdue: AUC and KS with counts, and the bad rate per grade."""
    with runtime() as rt:
        with rt.domain.read() as session:
            bu_id = unit_id(session, bu)
        r = backtest(rt.domain, since=since.date(), until=until.date() if until else None,
                     outcome=outcome, business_unit_id=bu_id)
    console.print(f"Backtest {r.since} → {r.until}, outcome {r.outcome}: {r.count} accounts "
                  f"({r.goods} good, {r.bads} bad; {r.excluded} already 90+ overdue at the "
                  f"start, left out).")
    console.print(f"AUC {r.auc:.3f}" if r.auc is not None else "AUC — (needs goods and bads)")
    if r.ks is not None:
        console.print(f"KS {r.ks:.3f} at score {r.ks_score}")
    table = Table("grade", "accounts", "bad", "bad rate")
    for grade, n, bad in r.by_grade:
        table.add_row(grade, str(n), str(bad), f"{bad / n:.0%}")
    console.print(table)


@bureau_app.command("refresh")
@domain_errors
def bureau_refresh(bu: str | None = typer.Option(None, "--bu", help="Business unit code."),
                   customer: str | None = typer.Option(None, help="One customer only."),
                   ) -> None:
    """Fetch every customer's company record, store changes and raise signals."""
    with runtime() as rt:
        ids = None
        with rt.domain.read() as session:
            bu_id = unit_id(session, bu)
            if customer:
                ids = [resolve_customer(session, Actor.system("cli"), customer)]
        result = refresh_bureau(rt.domain, business_unit_id=bu_id, customer_ids=ids)
    console.print(f"Checked {result.checked} customers: {result.changed} changed, "
                  f"{result.signals} new signals, {len(result.failures)} failed.")
    for cid, name, reason in result.failures[:20]:
        console.print(f"  {name} ({cid}): {reason}", highlight=False)
    if result.stopped:
        console.print(f"[red]Stopped early: {result.stopped}[/red]", highlight=False)
        raise typer.Exit(1)


@customer_app.command("show")
@domain_errors
def customer_show(customer: str = typer.Argument(..., help="USCC, name, alias or part of it."),
                  as_: str | None = typer.Option(None, "--as", help=AS_HELP)) -> None:
    """The 360° view of a customer, as the given person may see it."""
    print_view(_view(customer, as_))


def _view(customer: str, as_: str | None) -> CustomerView:
    with runtime() as rt, rt.domain.read() as session:
        actor = actor_for(session, as_)
        return customer_view(rt.domain, actor, resolve_customer(session, actor, customer))


def print_view(view: CustomerView) -> None:
    loc = cli_locale()

    def money(v: Decimal | None) -> str:
        return format_amount(v, loc) if v is not None else "—"

    console.print(f"[bold]{view.legal_name}[/bold]  USCC {view.uscc or '—'}  "
                  f"industry {view.industry or '—'}", highlight=False)
    if view.aliases:
        console.print("aliases: " + "、".join(view.aliases), highlight=False)
    if view.group_members:
        console.print(f"group of {view.group_root}: " + "、".join(view.group_members),
                      highlight=False)
    for a in view.accounts:
        e = a.exposure
        console.print(f"\n[bold]{a.business_unit}[/bold] account {a.external_id or a.account_id}"
                      f" — owner {a.owner or '—'}, terms {a.payment_terms_days} days, "
                      f"status {a.status}" + (f" ({a.hold_reason})" if a.hold_reason else ""),
                      highlight=False)
        console.print(f"  limit {money(e.credit_limit)} + temporary {money(e.temporary_limit)}"
                      f"; exposure {money(e.exposure)} (receivables {money(e.open_receivables)},"
                      f" shipped {money(e.uninvoiced_deliveries)}, orders {money(e.open_orders)})"
                      f"; available {money(e.available)}", highlight=False)
        g = a.aging
        console.print(f"  aging: current {money(g.current)} | 1–30 {money(g.days_1_30)} | "
                      f"31–60 {money(g.days_31_60)} | 61–90 {money(g.days_61_90)} | "
                      f"90+ {money(g.days_90_plus)}", highlight=False)
        p = a.payment
        console.print(f"  payments: PAYDEX {p.paydex if p.paydex is not None else '—'}, "
                      f"days beyond terms {p.days_beyond_terms if p.days_beyond_terms is not None else '—'}, "  # noqa: E501
                      f"on-time streak {p.on_time_streak if p.on_time_streak is not None else '—'}, "  # noqa: E501
                      f"{p.payments_12m} payments {money(p.paid_12m)} in 12 months, last "
                      f"{p.last_payment_on or '—'}", highlight=False)
        if a.score is not None:
            s = a.score
            console.print(f"  score {s.score:.2f} grade [bold]{s.grade}[/bold], suggested limit "
                          f"{money(s.suggested_limit)}", highlight=False)
            for r in s.reasons:
                console.print(f"    − {r.label.render(loc)}: {_value(r.value)} "
                              f"({r.points} points, −{r.lost})", highlight=False)
            for cap in s.caps:
                console.print(f"    capped: {cap}", highlight=False)
        for app_ in a.open_applications:
            console.print(f"  open application {app_.reference}: {app_.kind} "
                          f"{money(app_.amount)} ({app_.status})", highlight=False)
    if view.bureau is not None:
        b = view.bureau.report
        console.print(f"\nbureau ({view.bureau.provider}, {view.bureau.fetched_at:%Y-%m-%d}): "
                      f"{b.status_text}, legal representative {b.legal_representative or '—'}, "
                      f"registered capital {money(b.registered_capital)}, established "
                      f"{b.established_on or '—'}; {len(b.lawsuits)} lawsuits, "
                      f"{len(b.enforcements)} enforcements, {len(b.dishonest)} dishonest "
                      f"listings, {len(b.equity_freezes)} freezes, "
                      f"{len(b.abnormal_operations)} abnormal-operation listings",
                      highlight=False)
    for sig in view.signals:
        console.print(f"  [{sig.severity}] {sig.raised_at:%Y-%m-%d} {sig.summary.render(loc)}",
                      highlight=False)
    if view.timeline:
        console.print("\nrecent:")
        for t in view.timeline:
            console.print(f"  {t.occurred_at:%Y-%m-%d %H:%M} {t.action} {t.entity} by {t.actor}"
                          + (f" — {t.reason}" if t.reason else ""), highlight=False)


@fake_app.command("serve")
def fake_serve(port: int = typer.Option(8100, help="Port on 127.0.0.1."),
               host: str = typer.Option("127.0.0.1", help="Bind address.")) -> None:
    """Serve the fake bureau alone (both providers' formats) for the customers in the
    database; point BUREAU_API_URL at it."""
    import uvicorn

    from bot.bureau import fake_bureau

    with runtime() as rt:
        console.print(f"fake bureau on http://{host}:{port}/ (Tianyancha and Qichacha paths)")
        uvicorn.run(fake_bureau(rt).app, host=host, port=port, log_level="info")
