"""The nightly ``rescore`` job: every open account rescored by its unit's scorecard
(``credit_domain.scoring``), so indicators that move with the calendar alone (days past due,
relationship length, the 12-month windows) are current every morning.

Per business unit, ``BATCH`` accounts per transaction (their indicators come from one SQL pass);
a batch that fails is rolled back and its accounts are rescored one by one, so one bad
account is reported and never stops the others. A dry run reports the scores that would
change and what the rules would do about it, and changes nothing.
"""

from __future__ import annotations

from credit_domain.monitoring.runner import JobContext, Unit
from credit_domain.scoring.services import open_account_ids, rescore_accounts

BATCH = 200
TRIGGER = "nightly"


def rescore(ctx: JobContext) -> None:
    """The ``rescore`` job, every business unit."""
    ctx.for_each_unit(rescore_unit)


def rescore_unit(ctx: JobContext, unit: Unit) -> None:
    with ctx.domain.read() as session:
        ids = open_account_ids(session, unit.id)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        try:
            with ctx.step(unit, f"accounts {chunk[0]}–{chunk[-1]}", isolate=False) as uow:
                changed = rescore_accounts(uow, ctx.domain.policies, chunk, TRIGGER)
        except Exception:  # retried one by one below: each failure is then recorded
            changed = sum(_one(ctx, unit, account_id) for account_id in chunk)
        ctx.report.count(unit, "accounts scored", len(chunk))
        ctx.report.count(unit, "scores changed", changed)


def _one(ctx: JobContext, unit: Unit, account_id: int) -> int:
    changed = 0
    with ctx.step(unit, f"account {account_id}") as uow:
        changed = rescore_accounts(uow, ctx.domain.policies, [account_id], TRIGGER)
    return changed
