"""The ``rules`` policy: when (an event), if (a CEL condition), then (actions).

Validated when loaded: the event must exist, every name a condition, amount or message uses
must be one the event offers (``credit_domain.rules.context``), recipients must be roles or
relations, and application decisions only follow application events. A document that fails
stays out of force (the policy store keeps the old one).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from credit_domain.i18n import Text
from credit_domain.money import format_amount
from credit_domain.orgs.models import Role
from credit_domain.policy.expr import Expression
from credit_domain.policy.store import register_kind
from credit_domain.rules.context import event_types, names_for

# Relations to the account: its salesperson, their team's sales manager, the director of the
# account's region, and (on application events) whoever asked.
RELATIONS = frozenset({"owner", "owner_manager", "owner_director", "requester"})
PLACEHOLDER = re.compile(r"\{(\w+)\}")
NO_GRADE_APPLICATIONS = (
    "the grade comes from the scorecard (it is recomputed on payments, overdue invoices, "
    "bureau signals and nightly), so there is no grade application; suggest a limit "
    "instead (open_application kind increase, decrease or temporary, with an amount)")


class Message(BaseModel):
    """Text for people, in Chinese and/or English, with ``{name}`` placeholders."""

    model_config = ConfigDict(extra="forbid")
    zh_CN: str | None = None
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"zh_CN": value, "en": value}
        if isinstance(value, dict) and "zh" in value:
            value = {**value, "zh_CN": value["zh"]}
            value.pop("zh")
        return value

    @model_validator(mode="after")
    def _some_text(self) -> Message:
        if not (self.zh_CN or self.en):
            raise ValueError("a message needs zh_CN or en text")
        return self

    def names(self) -> set[str]:
        return {n for t in (self.zh_CN, self.en) if t for n in PLACEHOLDER.findall(t)}

    def render(self, locale: str | None, values: dict[str, Any]) -> str:
        """The text in ``locale`` (else the other language), placeholders filled in."""
        chinese = bool(locale and locale.startswith("zh"))
        text = (self.zh_CN or self.en) if chinese else (self.en or self.zh_CN)
        return PLACEHOLDER.sub(lambda m: show(values.get(m[1]), locale), text or "")


def show(value: Any, locale: str | None) -> str:
    """A context value as people read it."""
    if value is None:
        return "-"
    if isinstance(value, Text):
        return value.render(locale)
    if isinstance(value, Decimal):
        return format_amount(value, locale)
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(show(v, locale) for v in value)
    return str(value)


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def names(self) -> set[str]:
        """Context names the action uses (checked against the event at load)."""
        used: set[str] = set()
        for value in self.__dict__.values():
            if isinstance(value, Message):
                used |= value.names()
            elif isinstance(value, Expression):
                used |= value.names
        return used


class Notify(_Action):
    type: Literal["notify"] = "notify"
    to: list[str] = Field(default_factory=list,
                          description="roles (finance_manager…) or relations (owner…)")
    channels: list[str] = Field(default_factory=list, description="named channels")
    message: Message
    tone: Literal["info", "ok", "warn", "danger"] = "info"

    @field_validator("to")
    @classmethod
    def _known_recipients(cls, to: list[str]) -> list[str]:
        roles = {r.value for r in Role}
        unknown = sorted(set(to) - roles - RELATIONS)
        if unknown:
            raise ValueError(f"unknown recipients {', '.join(unknown)}; roles: "
                             f"{', '.join(sorted(roles))}; relations: "
                             f"{', '.join(sorted(RELATIONS))}")
        return to

    @model_validator(mode="after")
    def _someone(self) -> Notify:
        if not self.to and not self.channels:
            raise ValueError("notify needs `to` (people) or `channels`")
        return self


class PlaceHold(_Action):
    type: Literal["place_hold"] = "place_hold"
    reason: Message
    cause: str = Field("rule", pattern=r"^[a-z][a-z_]{0,31}$",
                       description="why, as a category (overdue, bureau, …): an `overdue` "
                                   "hold may be lifted by a rule once the overdue is paid")


class ReleaseHold(_Action):
    type: Literal["release_hold"] = "release_hold"
    reason: Message


class _GradeTarget(_Action):
    grade: str | None = Field(None, description="the grade to set")
    notch: int | None = Field(None, description="+1 one grade better, -1 one grade worse")

    @model_validator(mode="after")
    def _one_target(self) -> _GradeTarget:
        if self.grade is not None and self.notch is not None:
            raise ValueError("give `grade` or `notch`, not both")
        return self


class SetGrade(_GradeTarget):
    """Overrides the grade until the scorecard next rescores the account (a payment, an
    overdue invoice, a bureau signal, the nightly run): the scorecard owns the grade."""

    type: Literal["set_grade"] = "set_grade"
    via: Literal["direct", "application"] = "direct"
    reason: Message

    @model_validator(mode="after")
    def _target(self) -> SetGrade:
        if self.grade is None and self.notch is None:
            raise ValueError("set_grade needs `grade` or `notch`")
        if self.via == "application":
            raise ValueError(NO_GRADE_APPLICATIONS)
        return self


class SetLimit(_Action):
    type: Literal["set_limit"] = "set_limit"
    limit: Expression = Field(description="the new limit, e.g. credit_limit * 0.8")
    via: Literal["direct", "application"] = "direct"
    reason: Message


class OpenApplication(_GradeTarget):
    type: Literal["open_application"] = "open_application"
    kind: Literal["increase", "decrease", "temporary", "grade"]
    amount: Expression | None = Field(None, description="the limit to ask, e.g. "
                                                        "credit_limit * 1.2")
    reason: Message

    @model_validator(mode="after")
    def _workflow_kind(self) -> OpenApplication:
        if self.kind == "grade":
            raise ValueError(NO_GRADE_APPLICATIONS)
        if self.grade is not None or self.notch is not None:
            raise ValueError("`grade` and `notch` belong to set_grade; an application asks "
                             "for an `amount`")
        if self.amount is None:
            raise ValueError(f"open_application of kind {self.kind} needs `amount`")
        return self


class RejectApplication(_Action):
    type: Literal["reject_application"] = "reject_application"
    reason: Message


class ApproveApplication(_Action):
    type: Literal["approve_application"] = "approve_application"
    reason: Message


class Note(_Action):
    type: Literal["note"] = "note"
    message: Message


def _tagged(value: Any) -> Any:
    """Accept ``- notify: {to: [...]}`` as well as ``- {type: notify, to: [...]}``."""
    if isinstance(value, dict) and "type" not in value and len(value) == 1:
        (key, body), = value.items()
        if isinstance(body, dict):
            return {"type": key, **body}
    return value


Action = Annotated[
    Notify | PlaceHold | ReleaseHold | SetGrade | SetLimit | OpenApplication
    | RejectApplication | ApproveApplication | Note,
    Field(discriminator="type"), BeforeValidator(_tagged),
]
APPLICATION_DECISIONS = ("reject_application", "approve_application")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    title: Message | None = None
    when: str
    condition: Expression = Field(Expression("true"), alias="if")
    then: list[Action] = Field(min_length=1)
    cooldown_days: int = Field(0, ge=0, description="fire at most once per account in this "
                                                    "many days")
    enabled: bool = True

    @field_validator("when")
    @classmethod
    def _known_event(cls, when: str) -> str:
        known = event_types()
        if when not in known:
            raise ValueError(f"unknown event {when!r}; events: {', '.join(sorted(known))}")
        return when

    @field_validator("condition")
    @classmethod
    def _condition_names(cls, condition: Expression, info: ValidationInfo) -> Expression:
        when = info.data.get("when")
        if when is not None:
            condition.check_names(names_for(when))
        return condition

    @field_validator("then")
    @classmethod
    def _action_names(cls, then: list[Any], info: ValidationInfo) -> list[Any]:
        when = info.data.get("when")
        if when is None:
            return then
        allowed = names_for(when) | {"rule"}
        for i, action in enumerate(then):
            unknown = sorted(action.names() - allowed)
            if unknown:
                raise ValueError(f"action {i + 1} ({action.type}) uses unknown name(s) "
                                 f"{', '.join(unknown)}; available: {', '.join(sorted(allowed))}")
            if action.type in APPLICATION_DECISIONS and "application_id" not in allowed:
                raise ValueError(f"action {i + 1} ({action.type}) needs an application "
                                 f"event, not {when}")
            needs_requester = isinstance(action, Notify) and "requester" in action.to
            if needs_requester and "requester_id" not in allowed:
                raise ValueError(f"action {i + 1}: {when} has no requester")
        return then


class RulesPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grade_scale: list[str] = Field(
        default_factory=lambda: ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D"],
        min_length=1, description="grades, best first (for `notch`)")
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> RulesPolicy:
        names = [r.name for r in self.rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"rule names must be unique: {', '.join(twice)}")
        for rule in self.rules:
            for action in rule.then:
                grade = getattr(action, "grade", None)
                if grade is not None and grade not in self.grade_scale:
                    raise ValueError(f"rule {rule.name}: grade {grade!r} is not on the "
                                     f"grade_scale")
        return self

    def for_event(self, event: str) -> list[Rule]:
        return [r for r in self.rules if r.enabled and r.when == event]


RULES = register_kind("rules", RulesPolicy, "policy/defaults/rules.yaml",
                      "when an event happens, if a condition holds, then act")
