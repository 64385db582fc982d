"""The monitoring jobs by name, and :func:`run_job`, which the scheduler and
``creditbot jobs run`` both call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from credit_domain.bootstrap import Domain
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.monitoring.digests import daily_digest, weekly_digest
from credit_domain.monitoring.hooks import approval_sla, bureau_refresh
from credit_domain.monitoring.housekeeping import inbound_prune
from credit_domain.monitoring.overdue import overdue_scan
from credit_domain.monitoring.rescoring import rescore
from credit_domain.monitoring.reviews import review_due
from credit_domain.monitoring.runner import JobContext, JobReport
from credit_domain.monitoring.runs import claim_run, finish_run
from credit_domain.monitoring.temporary_limits import temporary_limits
from credit_domain.monitoring.utilisation import utilisation_scan

_ = text_factory("credit_domain")


@dataclass(frozen=True)
class JobDefinition:
    name: str
    service: Callable[[JobContext], None]
    description: str


JOBS: dict[str, JobDefinition] = {d.name: d for d in [
    JobDefinition("overdue-scan", overdue_scan,
                  "newly overdue invoices → salesperson and manager; holds beyond tolerance"),
    JobDefinition("utilisation", utilisation_scan,
                  "crossings of 80/90/100% of the effective limit, once per crossing"),
    JobDefinition("temporary-limits", temporary_limits,
                  "temporary limits ending soon (notice) and ended (expired)"),
    JobDefinition("review-due", review_due, "accounts past their review date → credit admin; "
                  "a year's public holidays not entered yet"),
    JobDefinition("approval-sla", approval_sla,
                  "reminders and escalations of approval steps (workflow engine)"),
    JobDefinition("bureau-refresh", bureau_refresh, "refresh bureau data (bureau provider)"),
    JobDefinition("rescore", rescore,
                  "rescore every open account by its unit's scorecard (nightly)"),
    JobDefinition("daily-digest", daily_digest, "summary per team, working days"),
    JobDefinition("weekly-digest", weekly_digest,
                  "summary per business unit with the audit chain head"),
    JobDefinition("inbound-prune", inbound_prune,
                  "forget inbound event ids older than seven days (replay windows intact)"),
]}


def get_job(name: str) -> JobDefinition:
    try:
        return JOBS[name]
    except KeyError:
        raise InvalidInput(_("Unknown job {name}; known: {known}", name=name,
                             known=", ".join(JOBS))) from None


def run_job(domain: Domain, name: str, *, dry_run: bool = False,
            only_units: Iterable[str] | None = None, scheduled_for: dt.datetime | None = None,
            trigger: str = "manual", missed: int = 0, runner: str | None = None
            ) -> JobReport | None:
    """Run job ``name`` now. A real run first claims (``name``, ``scheduled_for``) in the job
    runs and returns None when another process already has; a dry run claims nothing,
    changes nothing and reports what it would send to whom."""
    job = get_job(name)
    units = frozenset(only_units) if only_units is not None else None
    ctx = JobContext(domain, name, dry_run=dry_run, only_units=units)
    if dry_run:
        job.service(ctx)
        return ctx.report
    run_id = claim_run(domain, name, scheduled_for or ctx.now, trigger=trigger, missed=missed,
                       runner=runner)
    if run_id is None:
        domain.telemetry.job_run(name, "skipped")
        return None
    try:
        job.service(ctx)
    except Exception as exc:
        domain.telemetry.job_run(name, "failed")
        finish_run(domain, run_id, "failed", ctx.report.summary(), f"{type(exc).__name__}: {exc}")
        raise
    domain.telemetry.job_run(name, ctx.report.status)
    finish_run(domain, run_id, ctx.report.status, ctx.report.summary(),
               "\n".join(ctx.report.errors[:5]) or None)
    return ctx.report
