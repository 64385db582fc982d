"""Jobs that keep creditbot's own tables small without weakening a guarantee."""

from __future__ import annotations

from credit_domain.inbound.retention import RETENTION, prune_processed_events
from credit_domain.monitoring.runner import JobContext


def inbound_prune(ctx: JobContext) -> None:
    """The ``inbound-prune`` job: forget inbound event ids older than the retention (seven
    days, beyond every replay window); a dry run counts them."""
    with ctx.domain.uow(ctx.actor) as uow:
        n = prune_processed_events(uow, keep=RETENTION, dry_run=ctx.dry_run)
        if not ctx.dry_run:
            uow.commit()
    ctx.report.counts["inbound events pruned"] += n
    ctx.report.notes.append(f"kept the last {RETENTION.days} days of inbound event ids")
