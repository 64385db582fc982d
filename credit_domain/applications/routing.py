"""From an application to its route: the credit snapshot, the variables conditions see, the
route the policy chooses and the people of each step.

:func:`plan_route` is the one place that decides a route; submission stores what it returns
and ``creditbot policy simulate`` prints it, so a simulation shows exactly what would happen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.models import CreditAccount
from credit_domain.applications.labels import ROLE_LABELS, label, step_title
from credit_domain.applications.models import AssignmentVia
from credit_domain.applications.policy import ApprovalPolicy, ResolvedStep, StepSpec
from credit_domain.errors import DomainError
from credit_domain.i18n import text_factory
from credit_domain.money import RATIO
from credit_domain.orgs.models import BusinessUnit, Person, Role, RoleAssignment, Team
from credit_domain.policy.expr import ExpressionError

_ = text_factory("credit_domain")


def ratio(value: Any) -> Decimal:
    """A snapshot's utilisation: a string (or, in snapshots taken before, a number); 0 when
    there is no limit."""
    return Decimal(str(value)) if value is not None else Decimal(0)


class RoutingFailed(DomainError):
    """No route or no approver can be found; nothing was submitted."""

    code = "routing_failed"


# -- the facts approvers decide on ------------------------------------------------------------
def take_snapshot(session: Session, account: CreditAccount, today: dt.date) -> dict[str, Any]:
    """The account's credit facts on ``today`` (money and the utilisation as strings,
    exact; snapshots taken before stored the utilisation as a number)."""
    e = account_exposure(session, account.id, today)
    return {
        "taken_on": today.isoformat(),
        "score": account.score,
        "grade": account.grade,
        "limit": str(e.credit_limit),
        "temporary": str(e.temporary_limit),
        "exposure": str(e.exposure),
        "available": str(e.available),
        "overdue": str(e.overdue),
        "on_hold": account.on_hold,
        "utilisation": None if e.utilisation is None else str(e.utilisation.quantize(RATIO)),
    }


@dataclass(frozen=True)
class RouteFacts:
    """What a route is chosen on: the request and the snapshot."""

    kind: str
    amount: Decimal
    snapshot: dict[str, Any]
    days: int = 0
    term_days: int | None = None
    industry: str | None = None

    def context(self) -> dict[str, Any]:
        """The CEL variables of :data:`credit_domain.applications.policy.VARIABLES`."""
        s = self.snapshot
        limit = Decimal(s["limit"])
        change = self.amount - limit if self.kind in ("initial", "increase") else self.amount
        return {
            "kind": self.kind, "amount": self.amount, "change": change, "limit": limit,
            "temporary": Decimal(s["temporary"]), "exposure": Decimal(s["exposure"]),
            "available": Decimal(s["available"]), "overdue": Decimal(s["overdue"]),
            "utilisation": ratio(s["utilisation"]),
            "score": float(s["score"] or 0.0), "grade": s["grade"] or "",
            "rated": s["score"] is not None, "on_hold": bool(s["on_hold"]),
            "days": self.days, "term_days": self.term_days or 0,
            "industry": self.industry or "",
        }


# -- who is asked ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Where an application sits in the organisation: its unit, its requester (excluded
    from approving), and the team and region whose managers are asked."""

    business_unit_id: int
    requester_id: int | None
    team_id: int | None
    region_id: int | None


def requester_scope(session: Session, account: CreditAccount,
                    requester_id: int | None) -> Scope:
    """The requester's team and region in the account's unit; the account's own team and
    region when the requester has none (the system, or finance asking)."""
    team_id = region_id = None
    if requester_id is not None:
        grants = session.execute(
            select(RoleAssignment.team_id, RoleAssignment.region_id, Team.region_id)
            .outerjoin(Team, Team.id == RoleAssignment.team_id)
            .where(RoleAssignment.person_id == requester_id,
                   RoleAssignment.business_unit_id == account.business_unit_id)
            .order_by(RoleAssignment.team_id.is_(None), RoleAssignment.id)
        ).all()
        for grant_team, grant_region, team_region in grants:
            team_id = team_id or grant_team
            region_id = region_id or grant_region or team_region
    return Scope(account.business_unit_id, requester_id, team_id or account.team_id,
                 region_id or account.region_id)


def holders_by_role(session: Session, scope: Scope, roles: Iterable[Role], *,
                    unit_wide: bool = False) -> dict[Role, list[Person]]:
    """Active people holding each of ``roles`` for ``scope``, in one statement: sales
    managers of its team, region directors of its region, anyone else in the unit (everyone
    in the unit when ``unit_wide``); never the requester."""
    wanted = set(roles)
    stmt = (
        select(Person, RoleAssignment.role)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.business_unit_id == scope.business_unit_id,
               RoleAssignment.role.in_(wanted), Person.active.is_(True))
        .distinct().order_by(Person.id)
    )
    if not unit_wide:
        stmt = stmt.where(
            or_(RoleAssignment.role != Role.SALES_MANAGER, RoleAssignment.team_id == scope.team_id),
            or_(RoleAssignment.role != Role.REGION_DIRECTOR,
                RoleAssignment.region_id == scope.region_id))
    found: dict[Role, list[Person]] = {role: [] for role in wanted}
    for person, role in (session.execute(stmt) if wanted else ()):
        if person.id != scope.requester_id:
            found[Role(role)].append(person)
    return found


def role_holders(session: Session, scope: Scope, role: Role, *,
                 unit_wide: bool = False, exclude: set[int] | frozenset[int] = frozenset()
                 ) -> list[Person]:
    """:func:`holders_by_role` of one role, without anyone in ``exclude``."""
    return [p for p in holders_by_role(session, scope, [role], unit_wide=unit_wide)[role]
            if p.id not in exclude]


# -- the route -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedStep:
    position: int
    settings: ResolvedStep
    rule: str  # "route small", "always high_risk_grade"
    condition: str | None  # the condition that put it here
    approvers: tuple[Person, ...]
    via: AssignmentVia = AssignmentVia.ROUTE

    @property
    def title(self) -> Any:
        return step_title(self.settings.name, self.settings.role)


@dataclass(frozen=True)
class RoutePlan:
    route: str
    route_condition: str | None
    description: str | None
    steps: tuple[PlannedStep, ...]
    cc: tuple[Person, ...] = ()
    cc_channels: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())  # steps considered and left out, and why


def _holds(spec: StepSpec | Any, ctx: dict[str, Any]) -> bool:
    when = getattr(spec, "when", None)
    if when is None:
        return True
    try:
        return bool(when.test(ctx))
    except ExpressionError as exc:
        raise RoutingFailed(_("The approval policy cannot evaluate a condition: {error}",
                              error=str(exc))) from None


def choose_steps(policy: ApprovalPolicy, ctx: dict[str, Any]
                 ) -> tuple[Any, list[tuple[StepSpec, str]], list[str]]:
    """The chosen route, its steps with the rule that chose each, and notes on steps left
    out. Pure: no database."""
    notes: list[str] = []
    for route in policy.routes:
        if _holds(route, ctx):
            break
        notes.append(f"route {route.name}: {route.when.source if route.when else ''} is false")
    chosen: list[tuple[StepSpec, str]] = []
    for spec in route.steps:
        if _holds(spec, ctx):
            chosen.append((spec, f"route {route.name}"))
        else:
            notes.append(f"route {route.name}: {spec.role.value} skipped, "
                         f"{spec.when.source if spec.when else ''} is false")
    roles = {spec.role for spec, _rule in chosen}
    for spec in policy.always:
        rule = f"always {spec.name or spec.role.value}"
        if not _holds(spec, ctx):
            continue
        if spec.role in roles:
            notes.append(f"{rule}: {spec.role.value} is already in the route")
            continue
        chosen.append((spec, rule))
        roles.add(spec.role)
    return route, chosen, notes


def plan_route(session: Session, policy: ApprovalPolicy, facts: RouteFacts,
               scope: Scope) -> RoutePlan:
    """Choose the route and the people of each step; raise :class:`RoutingFailed` when a
    step has no one to decide it (not even its escalation role)."""
    ctx = facts.context()
    route, chosen, notes = choose_steps(policy, ctx)
    settings = [spec.settings(policy.defaults) for spec, _rule in chosen]
    cc_roles = list(dict.fromkeys([*policy.cc, *route.cc]))
    holders = holders_by_role(session, scope, {
        *cc_roles, *(s.role for s in settings),
        *(s.escalate_to for s in settings if s.escalate_to is not None)})
    steps: list[PlannedStep] = []
    for position, ((spec, rule), step) in enumerate(zip(chosen, settings, strict=True),
                                                    start=1):
        people, via = holders[step.role], AssignmentVia.ROUTE
        if not people and step.escalate_to is not None:
            people, via = holders[step.escalate_to], AssignmentVia.FALLBACK
        if not people:
            unit = session.get(BusinessUnit, scope.business_unit_id)
            raise RoutingFailed(_(
                "No one can decide the step {step} ({role}) in {unit}: ask a credit "
                "administrator to give someone that role.",
                step=step_title(step.name, step.role),
                role=label(ROLE_LABELS, step.role.value), unit=unit.name if unit else "?"))
        condition = route.when.source if rule.startswith("route") and route.when else None
        if spec.when is not None:
            condition = spec.when.source
        steps.append(PlannedStep(position, step, rule, condition, tuple(people), via))
    deciders = {p.id for step in steps for p in step.approvers}
    cc: dict[int, Person] = {}
    for role in cc_roles:
        for p in holders[role]:
            if p.id not in deciders:
                cc.setdefault(p.id, p)
    channels = tuple(dict.fromkeys([*policy.cc_channels, *route.cc_channels]))
    return RoutePlan(route.name, route.when.source if route.when else None, route.description,
                     tuple(steps), tuple(cc.values()), channels, tuple(notes))
