"""Jobs whose work belongs to features built elsewhere: approval SLAs (the workflow engine)
and bureau refresh (scoring/bureau). Each calls a port of the Domain when one is provided and
otherwise reports that it is not available yet, changing nothing.

- ``domain.ports["approval_sla"]``: ``(uow, business_unit_id) -> {what: count}``. Sends
  reminders to pending approvers and escalates breached steps inside ``uow`` (through
  ``uow.notify`` or :func:`~credit_domain.monitoring.alerts.raise_alert` with the
  ``approval_sla_escalation`` type), and returns counts for the job report.
- ``domain.ports["bureau_refresh"]``: ``(ctx, unit) -> None``. Refreshes the unit's bureau
  data, one ``ctx.step(unit, item)`` per customer so each failure is isolated and a dry run
  changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from credit_domain.monitoring.runner import JobContext, Unit
from credit_domain.unit_of_work import UnitOfWork

APPROVAL_SLA_PORT = "approval_sla"
BUREAU_REFRESH_PORT = "bureau_refresh"

ApprovalSlaService = Callable[[UnitOfWork, int], Mapping[str, int]]
BureauRefresh = Callable[[JobContext, Unit], None]


def _port(ctx: JobContext, name: str) -> Any:
    return ctx.domain.ports.get(name)


def approval_sla(ctx: JobContext) -> None:
    """The ``approval-sla`` job: reminders and escalations as the workflow engine reports
    them (the ``approval_sla`` port)."""
    service: ApprovalSlaService | None = _port(ctx, APPROVAL_SLA_PORT)
    if service is None:
        ctx.report.notes.append("approval SLA checks are not available yet: the workflow "
                                "engine provides the 'approval_sla' port; nothing was checked")
        return

    def check(ctx: JobContext, unit: Unit) -> None:
        with ctx.step(unit, "approval SLAs") as uow:
            for what, n in service(uow, unit.id).items():
                ctx.report.count(unit, what, n)

    ctx.for_each_unit(check)


def bureau_refresh(ctx: JobContext) -> None:
    """The ``bureau-refresh`` job: the ``bureau_refresh`` port, every business unit."""
    refresh: BureauRefresh | None = _port(ctx, BUREAU_REFRESH_PORT)
    if refresh is None:
        ctx.report.notes.append("bureau refresh is not available yet: no provider is "
                                "configured (the 'bureau_refresh' port); nothing was refreshed")
        return
    ctx.for_each_unit(refresh)
