"""Jobs whose work belongs to features built beside this one: approval SLAs (the workflow
engine) and bureau refresh (scoring/bureau). Until that feature is there, each job reports
that it is not available yet and changes nothing.

- Approval SLAs: the workflow's ``credit_domain.applications.sla`` module, once present:
  ``sla_status(session, now)`` lists the steps due for a reminder or breached, and
  ``send_reminder(uow, step_id)`` / ``escalate(uow, step_id)`` act on one step (each returns
  whether it did something). Every step runs in its own ``ctx.step``: a failure is isolated
  and a dry run shows who would be reminded and to whom it would escalate.
- Bureau refresh: ``domain.ports["bureau_refresh"]``, ``(ctx, unit) -> None``, refreshing one
  business unit with one ``ctx.step(unit, item)`` per customer for the same reasons.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from credit_domain.monitoring.runner import JobContext, Unit

WORKFLOW_SLA_MODULE = "credit_domain.applications.sla"
BUREAU_REFRESH_PORT = "bureau_refresh"

BureauRefresh = Callable[[JobContext, Unit], None]


def workflow_sla() -> ModuleType | None:
    """The workflow engine's SLA services, or None while the workflow is not installed."""
    try:
        return importlib.import_module(WORKFLOW_SLA_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name and WORKFLOW_SLA_MODULE.startswith(exc.name):
            return None
        raise


def approval_sla(ctx: JobContext) -> None:
    """The ``approval-sla`` job: reminders to pending approvers and escalation of breached
    steps, as the workflow engine reports them."""
    sla = workflow_sla()
    if sla is None:
        ctx.report.notes.append("approval SLA checks are not available yet: the workflow "
                                "engine is not installed; nothing was checked")
        return
    with ctx.domain.read() as session:
        items: list[Any] = list(sla.sla_status(session, ctx.now))

    def check(ctx: JobContext, unit: Unit) -> None:
        for item in (i for i in items if i.business_unit_id == unit.id):
            breached = item.state == "breached"
            with ctx.step(unit, f"{item.number} step {item.step_id}") as uow:
                act = sla.escalate if breached else sla.send_reminder
                if act(uow, item.step_id):
                    ctx.report.count(unit, "escalations" if breached else "reminders")

    ctx.for_each_unit(check)


def bureau_refresh(ctx: JobContext) -> None:
    """The ``bureau-refresh`` job: the ``bureau_refresh`` port, every business unit."""
    refresh: BureauRefresh | None = ctx.domain.ports.get(BUREAU_REFRESH_PORT)
    if refresh is None:
        ctx.report.notes.append("bureau refresh is not available yet: no provider is "
                                "configured (the 'bureau_refresh' port); nothing was refreshed")
        return
    ctx.for_each_unit(refresh)
