"""``creditbot jobs`` and ``creditbot scheduler``: the monitoring jobs by hand and on schedule."""

from __future__ import annotations

import logging
import signal
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from sqlalchemy import select

from bot.bootstrap import Runtime
from bot.cli.base import app, cli_locale, console, domain_errors, runtime
from bot.monitoring import make_dispatcher, run_dispatcher_thread
from credit_domain.monitoring.jobs import JOBS, get_job, run_job
from credit_domain.monitoring.runner import JobReport, PlannedMessage
from credit_domain.monitoring.runs import last_runs
from credit_domain.orgs.models import Person
from scheduler.schedules import SCHEDULES
from scheduler.service import MonitoringScheduler

jobs_app = typer.Typer(help="Monitoring jobs: list them, run one by hand.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


@jobs_app.command("list")
def list_jobs() -> None:
    """Every job with its schedule, next run, last run and outcome."""
    with runtime() as rt:
        tz = ZoneInfo(rt.settings.scheduler_timezone)
        sched = MonitoringScheduler(rt.domain, timezone=rt.settings.scheduler_timezone)
        with rt.domain.read() as session:
            runs = last_runs(session)
        table = Table("job", "schedule", "next run", "last run", "outcome", "what it does")
        for s in SCHEDULES:
            run = runs.get(s.job)
            nxt = sched.next_fire_time(s.job)
            outcome = "-"
            if run is not None:
                counts = (run.summary or {}).get("counts") or {}
                outcome = str(run.status) + (f" ({run.trigger}" + (
                    f", {run.missed} missed tick(s) coalesced" if run.missed else "") + ")")
                if counts:
                    outcome += "\n" + ", ".join(f"{k}: {v}" for k, v in counts.items())
            table.add_row(s.job, f"{s.cron} ({rt.settings.scheduler_timezone})",
                          f"{nxt.astimezone(tz):%Y-%m-%d %H:%M}" if nxt else "-",
                          f"{run.started_at.astimezone(tz):%Y-%m-%d %H:%M} on {run.runner}"
                          if run else "never", outcome, JOBS[s.job].description)
        console.print(table)


@jobs_app.command("run")
@domain_errors
def run(
    name: str = typer.Argument(..., help="The job, e.g. overdue-scan (see `creditbot jobs list`)."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Show what would be sent to whom; change nothing."),
    bu: list[str] = typer.Option(None, "--bu", help="Only this business unit (code); repeat."),
    locale: str = typer.Option(None, help="Language of the message titles (en, zh_CN)."),
) -> None:
    """Run one job now, as the scheduler would."""
    get_job(name)
    with runtime() as rt:
        report = run_job(rt.domain, name, dry_run=dry_run, only_units=bu or None)
        if report is None:  # pragma: no cover - a manual tick collides only within 1 µs
            console.print("Another process is running this job right now.")
            return
        show_report(rt, report, locale or cli_locale())
    if report.errors:
        raise typer.Exit(1)


def show_report(rt: Runtime, report: JobReport, locale: str) -> None:
    """Print counts, notes, errors and (dry run) every message and change."""
    head = f"{report.job}: {report.status}" + (" (dry run: nothing was changed)"
                                               if report.dry_run else "")
    console.print(head, highlight=False)
    for unit, counts in report.by_unit.items():
        console.print(f"  {unit}: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
                      highlight=False)
    if not report.by_unit:
        console.print("  nothing to do")
    for note in report.notes:
        console.print(f"  note: {note}", highlight=False)
    for error in report.errors:
        console.print(f"  [red]error: {error}[/red]", highlight=False)
    if report.dry_run:
        _show_plan(rt, report, locale)


def _show_plan(rt: Runtime, report: JobReport, locale: str) -> None:
    """One entry per alert (its recipients together), then messages per recipient."""
    tz = ZoneInfo(rt.settings.scheduler_timezone)
    ids = {m.person_id for m in report.messages if m.person_id is not None}
    with rt.domain.read() as session:
        names = dict(session.execute(
            select(Person.id, Person.name).where(Person.id.in_(ids))).all())
    grouped: dict[str, list[PlannedMessage]] = {}
    for m in report.messages:
        grouped.setdefault((m.dedupe_key or str(id(m))).split("|")[0], []).append(m)
    per_person: Counter[str] = Counter()
    console.print(f"Would send {len(report.messages)} message(s) for {len(grouped)} "
                  f"alert(s):")
    for group in grouped.values():
        first = group[0]
        when = (f"{first.not_before.astimezone(tz):%Y-%m-%d %H:%M}" if first.not_before
                else "at once")
        to = [f"#{m.channel}" if m.channel or m.person_id is None
              else f"{names.get(m.person_id, '?')}" for m in group]
        per_person.update(to)
        title = first.title.render(locale) if first.title else ""
        console.print(f"  [{when}] {first.kind}: {title}\n      → {', '.join(to)}",
                      highlight=False, markup=False, soft_wrap=True)
    if per_person:
        console.print("Messages per recipient: " + ", ".join(
            f"{who} {n}" for who, n in per_person.most_common()), highlight=False,
            soft_wrap=True)
    if report.changes:
        console.print(f"Would change {len(report.changes)} thing(s):")
        for c in report.changes:
            console.print(f"  {c.action} {c.entity_type} {c.entity_id}: {c.reason or ''}",
                          highlight=False, soft_wrap=True)


@app.command("scheduler")
def scheduler_command(
    dispatch: bool = typer.Option(False, "--dispatch",
                                  help="Also deliver the outbox from this process."),
) -> None:
    """Run the monitoring scheduler alone (with `CREDITBOT_SCHEDULER=0` on the web servers)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with runtime() as rt:
        logging.basicConfig(level=rt.settings.log_level.upper(),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        sched = MonitoringScheduler(rt.domain, timezone=rt.settings.scheduler_timezone)
        sched.start()
        worker = None
        if dispatch:
            worker = run_dispatcher_thread(make_dispatcher(rt.domain, rt.settings),
                                           rt.settings.outbox_poll_seconds, stop)
        console.print(f"Monitoring scheduler running ({len(SCHEDULES)} jobs, "
                      f"{rt.settings.scheduler_timezone}); Ctrl-C stops it.")
        stop.wait()
        sched.shutdown()
        if worker is not None:
            worker.join(timeout=30)
    console.print("Scheduler stopped.")
