"""Running the rules: a unit-of-work subscriber, so a rule's actions commit with the event
that caused them (or not at all).

For each event, the business unit's rules on that event are tested in order; a rule whose
condition holds (and whose cooldown for the account has passed) runs its actions one by one.
An action that fails is undone alone and recorded as failed; the others and the event's own
change go on. Every firing is stored (``RuleFiring``) and audited on the account's timeline.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain, installer
from credit_domain.errors import DomainError
from credit_domain.events import DomainEvent
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import BusinessUnit
from credit_domain.policy.expr import ExpressionError
from credit_domain.rules.actions import Firing, Outcome, execute
from credit_domain.rules.context import build_context, event_types
from credit_domain.rules.models import RuleFiring
from credit_domain.rules.policy import Rule, RulesPolicy
from credit_domain.savepoints import undoable
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")
log = logging.getLogger(__name__)


def matching(policy: RulesPolicy, event: DomainEvent, ctx: Mapping[str, Any]
             ) -> list[tuple[Rule, ExpressionError | None]]:
    """The rules on ``event`` whose condition holds, and those whose condition failed to
    evaluate (with the error)."""
    found: list[tuple[Rule, ExpressionError | None]] = []
    for rule in policy.for_event(event.name):
        try:
            if rule.condition.test(ctx):
                found.append((rule, None))
        except ExpressionError as exc:
            found.append((rule, exc))
    return found


def in_cooldown(session: Any, rule: Rule, bu_id: int, account_id: int,
                now: dt.datetime) -> bool:
    if not rule.cooldown_days:
        return False
    since = now - dt.timedelta(days=rule.cooldown_days)
    return session.scalar(select(RuleFiring.id).where(
        RuleFiring.business_unit_id == bu_id, RuleFiring.rule == rule.name,
        RuleFiring.account_id == account_id, RuleFiring.fired_at > since).limit(1)) is not None


class RulesEngine:
    """The subscriber; one per Domain. It runs after the other subscribers (``order``), so
    a rule sees an event's consequences that features apply themselves (a payment rescored,
    a hold alerted) and reacts to the account as it is now."""

    order = 100

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def __call__(self, uow: UnitOfWork, event: Any) -> None:
        if not isinstance(event, DomainEvent) or event.name not in event_types():
            return
        policy: RulesPolicy = self.domain.policies.get(event.business_unit_id, "rules",
                                                        uow.session)
        if not policy.for_event(event.name):
            return
        account = uow.session.get(CreditAccount, getattr(event, "account_id", None))
        bu = uow.session.get(BusinessUnit, event.business_unit_id)
        if account is None or bu is None:
            return
        ctx = build_context(uow.session, event, uow.now())
        found = matching(policy, event, ctx)
        if found:
            ctx.settle()  # the account's figures as they were before any of these rules acted
        for rule, error in found:
            if in_cooldown(uow.session, rule, bu.id, account.id, uow.now()):
                continue
            firing = Firing(uow, self.domain.ports, policy, rule, event, bu, account, ctx)
            if error is not None:
                log.warning("rule %s: %s", rule.name, error)
                outcomes = [Outcome("condition", "failed", _("{message}", message=str(error)))]
            else:
                outcomes = [self._run(action, firing) for action in rule.then]
            self._record(uow, firing, outcomes)

    @staticmethod
    def _run(action: Any, firing: Firing) -> Outcome:
        try:
            with undoable(firing.live()):
                return execute(action, firing)
        except (DomainError, ExpressionError) as exc:
            message = exc.localized(firing.bu.locale) if isinstance(exc, DomainError) else str(
                exc)
            log.warning("rule %s, action %s failed: %s", firing.rule.name, action.type, message)
            return Outcome(action.type, "failed", _("{message}", message=message))

    @staticmethod
    def _record(uow: UnitOfWork, f: Firing, outcomes: list[Outcome]) -> None:
        uow.session.add(RuleFiring(business_unit_id=f.bu.id, rule=f.rule.name,
                                   event=f.event.name, account_id=f.account.id,
                                   fired_at=uow.now(),
                                   outcomes=[o.to_json() for o in outcomes]))
        uow.audit("rule.fired", "credit_account", f.account.id, business_unit_id=f.bu.id,
                  actor=f.actor, after={
                      "rule": f.rule.name, "event": f.event.name,
                      "actions": [{"action": o.action, "status": o.status,
                                   "detail": o.detail.render(f.bu.locale)} for o in outcomes]})


@installer
def install_rules(domain: Domain) -> None:
    """Run the rules policy on every domain event, inside the raising transaction."""
    domain.subscribers.append(RulesEngine(domain))
