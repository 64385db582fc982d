"""Utilisation: exposure as a share of the effective limit. Crossing a threshold (80, 90,
100 %) alerts once; falling ``reset_margin`` points below it starts a new episode, so the
next crossing alerts again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.accounts.models import CreditAccount
from credit_domain.customers.links import customer_path
from credit_domain.customers.models import Customer
from credit_domain.i18n import text_factory
from credit_domain.monitoring.alerts import Alert, raise_alert
from credit_domain.monitoring.book import Position, positions
from credit_domain.monitoring.models import UtilisationState
from credit_domain.monitoring.policy import MonitoringPolicy, UtilisationRules
from credit_domain.monitoring.runner import JobContext, Unit

_ = text_factory("credit_domain")


class Move(NamedTuple):
    """How an account's level changes: ``alert`` is the threshold newly crossed (if any)."""

    account_id: int
    level: int
    episode: int
    alert: int | None
    percent: Decimal


def next_state(rules: UtilisationRules, level: int, episode: int,
               percent: Decimal) -> tuple[int, int, int | None]:
    """The new (level, episode, threshold to alert) of an account at ``percent``."""
    crossed = 0
    for t in rules.thresholds:  # ascending; a scan asks this for every account
        if percent < t:
            break
        crossed = t
    if crossed > level:
        return crossed, episode, crossed
    if level and percent < level - rules.reset_margin:
        # Thresholds re-arm once the share is reset_margin points below them; the level
        # falls to the highest one not re-armed yet.
        still = max((t for t in rules.thresholds if percent >= t - rules.reset_margin),
                    default=0)
        return still, episode + 1, None
    return level, episode, None


def utilisation_scan(ctx: JobContext) -> None:
    """The ``utilisation`` job: every account of every business unit."""
    ctx.for_each_unit(scan_unit)


def scan_unit(ctx: JobContext, unit: Unit) -> None:
    policy: MonitoringPolicy = ctx.domain.policies.get(unit.id, "monitoring")
    today = ctx.today(unit)
    with ctx.domain.read() as session:
        moves = plan(session, unit.id, today, policy.utilisation)
        names = _names(session, [m.account_id for m in moves if m.alert])
    for move in moves:
        with ctx.step(unit, f"account {move.account_id}") as uow:
            state = uow.session.get(UtilisationState, move.account_id)
            if state is None:
                state = UtilisationState(account_id=move.account_id)
                uow.session.add(state)
            state.level, state.episode, state.updated_at = move.level, move.episode, uow.now()
            if move.alert is not None:
                sev = policy.utilisation.severity[move.alert]
                customer_id, customer = names[move.account_id]
                raised = raise_alert(uow, ctx.domain.policies, Alert(
                    type="utilisation", business_unit_id=unit.id, severity=sev,
                    key=f"utilisation:{move.account_id}:{move.alert}:{move.episode}",
                    account_id=move.account_id,
                    title=_("{customer} has used {percent}% of its credit limit",
                            customer=customer, percent=f"{move.percent:.1f}"),
                    lines=(_("Utilisation crossed {threshold}% of the effective limit.",
                             threshold=move.alert),),
                    fields=((_("Customer"), customer),
                            (_("Utilisation"), f"{move.percent:.1f}%")),
                    link=customer_path(customer_id),
                    facts={"utilisation": move.percent, "level": move.alert},
                ))
                if raised.new:
                    ctx.report.count(unit, f"crossed {move.alert}%")


def plan(session: Session, business_unit_id: int, today: dt.date,
         rules: UtilisationRules) -> list[Move]:
    """Every account whose level or episode changes, from one pass over the book (memory
    grows with the changes only)."""
    return [m for p in positions(session, business_unit_id, today)
            if (m := move(p, rules)) is not None]


def move(p: Position, rules: UtilisationRules) -> Move | None:
    """How the account's level or episode changes at its utilisation now; None: it does not
    (or the account has no limit to measure against)."""
    percent = p.percent
    if percent is None:
        return None
    level, episode, alert = next_state(rules, p.level, p.episode, percent)
    if (level, episode) == (p.level, p.episode):
        return None
    return Move(p.account_id, level, episode, alert, percent)


def _names(session: Session, account_ids: list[int]) -> dict[int, tuple[int, str]]:
    if not account_ids:
        return {}
    rows = session.execute(
        select(CreditAccount.id, Customer.id, Customer.legal_name)
        .join(Customer, Customer.id == CreditAccount.customer_id)
        .where(CreditAccount.id.in_(account_ids)))
    return {aid: (cid, name) for aid, cid, name in rows}
