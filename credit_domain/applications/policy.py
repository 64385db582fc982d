"""The approval policy (kind ``approval``): which steps an application goes through.

Routes are tried in order and the first whose ``when`` holds is chosen; the last route has
no ``when`` and catches everything else. A step may carry its own ``when`` (it is skipped
when false). Steps under ``always`` are added to whichever route is chosen when their
condition holds, unless the route already has a step for that role (e.g. a high-risk grade
always reaches the risk director). Conditions are CEL over :data:`VARIABLES`, checked when
the policy is loaded and tried on sample applications, so a typo or a type error is a
located problem, not a failure at submission.

People are resolved per step by role within the business unit: sales managers of the
requester's team, region directors of the requester's region, anyone holding any other role
in the unit. See ``credit_domain/policy/defaults/approval.yaml`` for the shipped default.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from credit_domain.applications.models import StepKind
from credit_domain.orgs.models import Role
from credit_domain.policy.expr import Expression, ExpressionError
from credit_domain.policy.store import register_kind

KIND = "approval"

#: Variables a condition may use, with what they mean (also shown by ``policy check``).
VARIABLES: dict[str, str] = {
    "kind": "initial | increase | temporary | order_release",
    "amount": "requested amount: the new permanent limit, the temporary limit or the order",
    "change": "amount − current permanent limit (initial/increase); the amount otherwise",
    "limit": "current permanent limit",
    "temporary": "active temporary limits",
    "exposure": "exposure (open receivables + shipped not invoiced + open orders)",
    "available": "effective limit − exposure",
    "overdue": "overdue receivables",
    "utilisation": "exposure ÷ effective limit (0 without a limit)",
    "score": "credit score 0–100 (0 when unrated)",
    "grade": 'credit grade, e.g. "AA" ("" when unrated)',
    "rated": "whether the customer has a score",
    "on_hold": "whether the account is on credit hold",
    "days": "length of a temporary limit's window in days (0 otherwise)",
    "term_days": "requested payment terms in days (0 when not asked)",
    "industry": 'the customer\'s industry ("" when unknown)',
}
NAMES = frozenset(VARIABLES)

_BASE_SAMPLE: dict[str, Any] = {
    "amount": 120000.0, "change": 20000.0, "limit": 100000.0, "temporary": 0.0,
    "exposure": 60000.0, "available": 40000.0, "overdue": 0.0, "utilisation": 0.6,
    "score": 72.0, "grade": "BBB", "rated": True, "on_hold": False, "days": 0,
    "term_days": 30, "industry": "machinery",
}
#: Sample applications every condition is tried on at load (one per kind, one unrated).
SAMPLES: list[dict[str, Any]] = [
    {**_BASE_SAMPLE, "kind": "initial", "limit": 0.0, "change": 120000.0, "utilisation": 0.0,
     "score": 0.0, "grade": "", "rated": False, "industry": ""},
    {**_BASE_SAMPLE, "kind": "increase"},
    {**_BASE_SAMPLE, "kind": "temporary", "change": 120000.0, "days": 30, "term_days": 0},
    {**_BASE_SAMPLE, "kind": "order_release", "change": 120000.0, "on_hold": True,
     "term_days": 0},
]
NOT_APPROVERS = (Role.SALESPERSON, Role.AUDITOR)


def check_condition(expr: Expression) -> Expression:
    """Refuse unknown names, and conditions that fail or give a non-boolean on a sample."""
    try:
        expr.check_names(NAMES)
        for sample in SAMPLES:
            expr.test(sample)
    except ExpressionError as exc:
        raise ValueError(str(exc)) from None
    return expr


class Defaults(BaseModel):
    """Settings every step inherits unless it says otherwise."""

    model_config = ConfigDict(extra="forbid")

    kind: StepKind = StepKind.OR_SIGN
    sla_hours: float = Field(8.0, gt=0, description="business hours (09:00–18:00 workdays)")
    remind_after_hours: float | None = Field(None, gt=0, description="default: half the SLA")
    escalate_to: Role | None = Role.GENERAL_MANAGER
    allow_transfer: bool = True


class StepSpec(BaseModel):
    """One step: who decides (a role), how (kind), how fast (SLA), and to whom it escalates.
    Unset settings come from ``defaults``; ``escalate_to: none`` turns escalation off."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=100)
    role: Role
    when: Expression | None = None
    kind: StepKind | None = None
    sla_hours: float | None = Field(None, gt=0)
    remind_after_hours: float | None = Field(None, gt=0)
    escalate_to: Role | Literal["none"] | None = None
    allow_transfer: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_role(cls, value: Any) -> Any:
        return {"role": value} if isinstance(value, str) else value

    @field_validator("role")
    @classmethod
    def _approving_role(cls, role: Role) -> Role:
        if role in NOT_APPROVERS:
            raise ValueError(f"{role.value} does not approve; use a managing role")
        return role

    @field_validator("when")
    @classmethod
    def _condition(cls, when: Expression | None) -> Expression | None:
        return check_condition(when) if when is not None else None

    @model_validator(mode="after")
    def _coherent(self) -> StepSpec:
        if self.escalate_to == self.role:
            raise ValueError(f"a {self.role.value} step cannot escalate to {self.role.value}")
        if (self.sla_hours is not None and self.remind_after_hours is not None
                and self.remind_after_hours >= self.sla_hours):
            raise ValueError("remind_after_hours must be shorter than sla_hours")
        return self

    def settings(self, defaults: Defaults) -> ResolvedStep:
        sla = self.sla_hours if self.sla_hours is not None else defaults.sla_hours
        remind = self.remind_after_hours or defaults.remind_after_hours
        if remind is None or remind >= sla:
            remind = sla / 2
        escalate = self.escalate_to if self.escalate_to is not None else defaults.escalate_to
        target = None if escalate in (None, "none") or escalate == self.role else Role(escalate)
        return ResolvedStep(
            name=self.name, role=self.role, kind=self.kind or defaults.kind, sla_hours=sla,
            remind_after_hours=remind, escalate_to=target,
            allow_transfer=(self.allow_transfer if self.allow_transfer is not None
                            else defaults.allow_transfer),
        )


class ResolvedStep(BaseModel):
    """A step with every setting filled in."""

    name: str | None
    role: Role
    kind: StepKind
    sla_hours: float
    remind_after_hours: float
    escalate_to: Role | None
    allow_transfer: bool


class RouteSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    when: Expression | None = None
    description: str | None = None
    steps: list[StepSpec] = Field(min_length=1)
    cc: list[Role] = Field(default_factory=list)
    cc_channels: list[str] = Field(default_factory=list)

    @field_validator("when")
    @classmethod
    def _condition(cls, when: Expression | None) -> Expression | None:
        return check_condition(when) if when is not None else None

    @field_validator("steps")
    @classmethod
    def _distinct_roles(cls, steps: list[StepSpec]) -> list[StepSpec]:
        seen: set[Role] = set()
        for step in steps:
            if step.role in seen:
                raise ValueError(f"{step.role.value} appears in two steps of this route")
            seen.add(step.role)
        return steps


class ApprovalPolicy(BaseModel):
    """The approval policy of one business unit (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    defaults: Defaults = Field(default_factory=Defaults)
    temporary_max_days: int = Field(180, ge=1, le=366)
    routes: list[RouteSpec] = Field(min_length=1)
    always: list[StepSpec] = Field(default_factory=list)
    cc: list[Role] = Field(default_factory=list)
    cc_channels: list[str] = Field(default_factory=list)

    @field_validator("routes")
    @classmethod
    def _one_default_route_last(cls, routes: list[RouteSpec]) -> list[RouteSpec]:
        names = [r.name for r in routes]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"route names must be distinct: {', '.join(twice)}")
        defaults = [i for i, r in enumerate(routes) if r.when is None]
        if not defaults:
            raise ValueError("no default route: give the last route no 'when', so that every "
                             "application has a route")
        if defaults[0] != len(routes) - 1:
            after = ", ".join(r.name for r in routes[defaults[0] + 1:])
            raise ValueError(f"route {routes[defaults[0]].name!r} has no 'when' and catches "
                             f"everything, so the routes after it are never chosen: {after}")
        return routes


register_kind(KIND, ApprovalPolicy, "policy/defaults/approval.yaml",
              "approval routes of credit applications")
