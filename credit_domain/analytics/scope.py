"""What a figure covers: a scope, written as a short string and resolved against what the
viewer may see.

A scope string is a comma-separated list of ``key:value`` filters, each optional:

=============  ================================  =========================================
key            value                             selects credit accounts …
=============  ================================  =========================================
``bu``         business unit code (``IND``)      of that business unit
``region``     region code (``EAST``)            whose region is that region
``team``       team code (``IND-E1``)            of that team
``sales``      person id of the salesperson      owned by that salesperson
``customer``   customer id                       of that customer
=============  ================================  =========================================

An empty string (or ``all``) is everything the viewer may see. Filters narrow what
:func:`credit_domain.access.account_scope` allows, never widen it: a salesperson asking for
their team sees their own accounts in it, and a scope in a business unit where the viewer
holds no role is refused. Drilling down goes business unit → region → team → salesperson →
customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, account_scope, refuse
from credit_domain.accounts.models import CreditAccount
from credit_domain.customers.models import Customer
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import BusinessUnit, Person, Region, Team

_ = text_factory("credit_domain")

Level = Literal["all", "business_unit", "region", "team", "salesperson", "customer"]
LEVELS: tuple[Level, ...] = ("all", "business_unit", "region", "team", "salesperson",
                             "customer")
_KEYS = {"bu": "business_unit", "region": "region", "team": "team", "sales": "salesperson",
         "customer": "customer"}


@dataclass(frozen=True)
class Scope:
    """Filters of a scope (see module docstring); every field optional."""

    business_unit: str | None = None
    region: str | None = None
    team: str | None = None
    salesperson: int | None = None
    customer: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> Scope:
        """Read ``bu:IND,region:EAST,…``; a bare code (``IND``) is a business unit."""
        raw = (text or "").strip()
        if raw.lower() in ("", "all", "*"):
            return cls()
        values: dict[str, Any] = {}
        for part in raw.replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            key, sep, value = part.partition(":")
            if not sep:
                key, value = "bu", part
            key, value = key.strip().lower(), value.strip()
            if key not in _KEYS or not value or _KEYS[key] in values:
                raise InvalidInput(_(
                    "I can't read the scope {scope}. Write it like bu:IND,region:EAST,"
                    "team:IND-E1,sales:12,customer:34.", scope=raw))
            if key in ("sales", "customer"):
                if not value.isdigit() or len(value) > 12:  # a database id, not a number
                    raise InvalidInput(_("{key} in a scope takes a number: {scope}", key=key,
                                         scope=raw))
                values[_KEYS[key]] = int(value)
            else:
                values[_KEYS[key]] = value.upper()
        return cls(**values)

    def __str__(self) -> str:
        parts = [f"{key}:{getattr(self, field)}" for key, field in _KEYS.items()
                 if getattr(self, field) is not None]
        return ",".join(parts)

    @property
    def level(self) -> Level:
        """The narrowest filter given."""
        for level in reversed(LEVELS[1:]):
            if getattr(self, level) is not None:
                return level
        return "all"

    def narrowed(self, level: Level, value: str | int) -> Scope:
        changes: dict[str, Any] = {level: value}
        return replace(self, **changes)


@dataclass(frozen=True)
class Crumb:
    """One step of the path from the top to a scope, for breadcrumbs and titles."""

    level: Level
    scope: str
    name: str
    name_en: str | None = None

    def label(self, locale: str | None) -> str:
        return bilingual(self.name, self.name_en, locale)


def bilingual(name: str, name_en: str | None, locale: str | None) -> str:
    """The English name for non-Chinese readers when there is one, else the name."""
    if locale and not locale.startswith("zh") and name_en:
        return name_en
    return name


@dataclass(frozen=True)
class ResolvedScope:
    """A scope checked against the viewer: the WHERE clause on :class:`CreditAccount` that
    selects exactly the accounts it covers, and what is needed to show it."""

    scope: Scope
    where: ColumnElement[bool]
    business_units: tuple[BusinessUnit, ...]  # those the figures may include
    path: tuple[Crumb, ...]

    @property
    def level(self) -> Level:
        return self.scope.level

    @property
    def currency(self) -> str:
        codes = {bu.currency for bu in self.business_units}
        return codes.pop() if len(codes) == 1 else "CNY"

    @property
    def timezone(self) -> str:
        zones = sorted({bu.timezone for bu in self.business_units})
        return zones[0] if zones else "Asia/Shanghai"

    def label(self, locale: str | None) -> str:
        """The scope for people: its path below "All" (``工业品事业部 / 华东区``)."""
        return " / ".join(c.label(locale) for c in self.path[1:]) or self.path[0].label(locale)

    @property
    def next_level(self) -> Level | None:
        """The level a drill-down from here lists (None at a customer)."""
        level = self.level
        if level == "all" and len(self.business_units) == 1:
            return "region"
        if level == "customer":
            return None
        return LEVELS[LEVELS.index(level) + 1]


def resolve(session: Session, actor: Actor, scope: Scope) -> ResolvedScope:
    """Resolve codes to rows and intersect the filters with what ``actor`` may see.

    Refuses (NotFound) unknown codes and (Forbidden) a business unit in which the actor holds
    no role; a narrower filter the actor may only partly see simply covers less.
    """
    all_units = list(session.scalars(select(BusinessUnit).order_by(BusinessUnit.code)))
    visible = [bu for bu in all_units
               if actor.is_system or bu.id in actor.business_unit_ids()]
    if not visible:
        raise refuse(actor, "read_analytics", "all", _("You have no role in any business unit."))
    clauses: list[ColumnElement[bool]] = [account_scope(actor)]
    path: list[Crumb] = [Crumb("all", "", "全部", "All")]
    units = visible
    current = Scope()

    def enter_unit(bu: BusinessUnit) -> None:
        nonlocal current, units
        actor.require_business_unit(bu.id, action="read_analytics")
        units = [bu]
        clauses.append(CreditAccount.business_unit_id == bu.id)
        current = current.narrowed("business_unit", bu.code)
        path.append(Crumb("business_unit", str(current), bu.name, bu.name_en))

    if scope.business_unit is not None:
        found = next((u for u in all_units if u.code == scope.business_unit), None)
        if found is None:
            raise NotFound(_("No business unit {code}.", code=scope.business_unit))
        enter_unit(found)
    def narrow(level: Level, clause: ColumnElement[bool], value: str | int, name: str) -> None:
        nonlocal current
        clauses.append(clause)
        current = current.narrowed(level, value)
        path.append(Crumb(level, str(current), name))

    if scope.region is not None:
        region = _by_code(session, Region, scope.region, [u.id for u in units], _("region"))
        if current.business_unit is None:
            enter_unit(next(u for u in units if u.id == region.business_unit_id))
        narrow("region", CreditAccount.region_id == region.id, region.code, region.name)
    if scope.team is not None:
        team = _by_code(session, Team, scope.team, [u.id for u in units], _("team"))
        if current.business_unit is None:
            enter_unit(next(u for u in units if u.id == team.business_unit_id))
        narrow("team", CreditAccount.team_id == team.id, team.code, team.name)
    if scope.salesperson is not None:
        person = session.get(Person, scope.salesperson)
        if person is None:
            raise NotFound(_("Person {id} is not enrolled.", id=scope.salesperson))
        narrow("salesperson", CreditAccount.owner_id == person.id, person.id, person.name)
    if scope.customer is not None:
        customer = session.get(Customer, scope.customer)
        if customer is None:
            raise NotFound(_("Customer {id} does not exist.", id=scope.customer))
        narrow("customer", CreditAccount.customer_id == customer.id, customer.id,
               customer.legal_name)
    if len(units) > 1 and current.business_unit is None:
        in_scope = set(session.scalars(
            select(CreditAccount.business_unit_id).where(and_(*clauses)).distinct()))
        if len(in_scope) == 1:
            units = [u for u in units if u.id in in_scope]
    return ResolvedScope(current, and_(*clauses), tuple(units), tuple(path))


def _by_code(session: Session, model: type[Region] | type[Team], code: str,
             unit_ids: Sequence[int], what: Any) -> Any:
    rows = list(session.scalars(select(model).where(
        model.code == code, model.business_unit_id.in_(unit_ids))))
    if not rows:
        raise NotFound(_("No {what} {code} in the business units you can see.", what=what,
                         code=code))
    if len(rows) > 1:
        raise InvalidInput(_("{what} {code} exists in several business units; add bu:… to "
                             "the scope.", what=what, code=code))
    return rows[0]

