"""Who may see and do what. Checked in the domain services, never only in an adapter.

- A salesperson sees the accounts they own; a sales manager their team's; a region director
  their region's; finance, risk, general managers, credit admins and auditors the whole
  business unit. No one sees a business unit in which they hold no role.
- Role checks for decisions (approve a step, change a limit, release a hold) use
  :meth:`Actor.has_role` in the business unit concerned.
- Auditors read; they never change anything (no application, hold or decision).
- Every refusal is built by :func:`refuse`, which logs it (WARNING on ``creditbot.access``,
  event ``access.denied``: who, which action, on what) before the caller raises it: a refused
  action changes nothing, so the log is where it leaves a trace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from credit_domain.accounts.models import CreditAccount
from credit_domain.errors import Forbidden, NotFound
from credit_domain.i18n import Text, text_factory
from credit_domain.orgs.models import Person, Role, RoleAssignment, Team
from credit_domain.unit_of_work import ActorRef

_ = text_factory("credit_domain")
log = logging.getLogger("creditbot.access")

BU_WIDE_ROLES = frozenset(
    {Role.FINANCE_MANAGER, Role.RISK_DIRECTOR, Role.GENERAL_MANAGER, Role.CREDIT_ADMIN,
     Role.AUDITOR}
)


@dataclass(frozen=True)
class Grant:
    business_unit_id: int
    role: Role
    team_id: int | None = None
    region_id: int | None = None


@dataclass(frozen=True)
class Actor:
    """A person acting through creditbot, with every role they hold."""

    person_id: int | None
    name: str
    locale: str | None = None
    grants: tuple[Grant, ...] = ()
    is_system: bool = False
    team_region: dict[int, int | None] = field(default_factory=dict, compare=False)

    @classmethod
    def system(cls, name: str = "creditbot") -> Actor:
        """The scheduler, imports and other automatic actors: every business unit."""
        return cls(None, name, is_system=True)

    @property
    def ref(self) -> ActorRef:
        if self.person_id is None:
            return ActorRef.system(self.name)
        return ActorRef.person(self.person_id, self.name)

    def business_unit_ids(self) -> set[int]:
        return {g.business_unit_id for g in self.grants}

    def roles_in(self, business_unit_id: int) -> set[Role]:
        return {Role(g.role) for g in self.grants if g.business_unit_id == business_unit_id}

    def has_role(self, business_unit_id: int, *roles: Role) -> bool:
        if self.is_system:
            return True
        held = self.roles_in(business_unit_id)
        return any(r in held for r in roles)

    def require_role(self, business_unit_id: int, *roles: Role, action: str = "act",
                     target: str | None = None) -> None:
        if not self.has_role(business_unit_id, *roles):
            raise refuse(self, action, target or f"business_unit:{business_unit_id}",
                         _("This needs the role {roles} in this business unit.",
                           roles=" / ".join(r.value for r in roles)),
                         business_unit_id=business_unit_id)

    def require_business_unit(self, business_unit_id: int, *, action: str = "read",
                              target: str | None = None) -> None:
        if not self.is_system and business_unit_id not in self.business_unit_ids():
            raise refuse(self, action, target or f"business_unit:{business_unit_id}",
                         _("You have no role in this business unit."),
                         business_unit_id=business_unit_id)

    def require_not_only_auditor(self, business_unit_id: int, *, action: str,
                                 target: str) -> None:
        """Refuse a change by someone whose only role in the unit is auditor (they read)."""
        if not self.is_system and self.roles_in(business_unit_id) == {Role.AUDITOR}:
            raise refuse(self, action, target,
                         _("Auditors can see credit but cannot change it."),
                         business_unit_id=business_unit_id)

    def team_ids(self, business_unit_id: int, role: Role = Role.SALES_MANAGER) -> set[int]:
        return {g.team_id for g in self.grants
                if g.business_unit_id == business_unit_id and g.role == role and g.team_id}


def refuse(actor: Actor | ActorRef, action: str, target: str, message: Text, *,
           business_unit_id: int | None = None) -> Forbidden:
    """The :class:`Forbidden` to raise for ``actor`` attempting ``action`` on ``target``
    (``"credit_account:12"``, ``"application:APP-2026-000001"``…), logged first at WARNING
    with those three as structured fields (``event=access.denied``)."""
    ref = actor.ref if isinstance(actor, Actor) else actor
    log.warning("access denied: %s may not %s %s (%s)", ref.label, action, target,
                message.render("en"),
                extra={"event": "access.denied", "actor": ref.label, "action": action,
                       "target": target, "business_unit_id": business_unit_id})
    return Forbidden(message, actor=ref.label, action=action, target=target)


def load_actor(session: Session, person_id: int) -> Actor:
    """Load a person and every role they hold."""
    person = session.get(Person, person_id)
    if person is None or not person.active:
        raise NotFound(_("Person {id} is not enrolled.", id=person_id))
    rows = session.scalars(
        select(RoleAssignment).where(RoleAssignment.person_id == person_id)
    ).all()
    grants = tuple(Grant(r.business_unit_id, Role(r.role), r.team_id, r.region_id) for r in rows)
    return Actor(person.id, person.name, person.locale, grants)


def account_scope(actor: Actor, business_unit_id: int | None = None) -> ColumnElement[bool]:
    """A WHERE clause on :class:`CreditAccount` selecting exactly what ``actor`` may see
    (optionally within one business unit)."""
    if actor.is_system:
        return true() if business_unit_id is None else (
            CreditAccount.business_unit_id == business_unit_id)
    clauses: list[ColumnElement[bool]] = []
    for g in actor.grants:
        if business_unit_id is not None and g.business_unit_id != business_unit_id:
            continue
        in_bu = CreditAccount.business_unit_id == g.business_unit_id
        role = Role(g.role)
        if role in BU_WIDE_ROLES:
            clauses.append(in_bu)
        elif role == Role.REGION_DIRECTOR and g.region_id is not None:
            region_teams = select(Team.id).where(Team.region_id == g.region_id)
            clauses.append(in_bu & or_(CreditAccount.region_id == g.region_id,
                                       CreditAccount.team_id.in_(region_teams)))
        elif role == Role.SALES_MANAGER and g.team_id is not None:
            clauses.append(in_bu & (CreditAccount.team_id == g.team_id))
        elif role in (Role.SALESPERSON, Role.SALES_MANAGER, Role.REGION_DIRECTOR):
            clauses.append(in_bu & (CreditAccount.owner_id == actor.person_id))
    return or_(*clauses) if clauses else false()


def can_see_account(session: Session, actor: Actor, account_id: int) -> bool:
    return session.scalar(
        select(CreditAccount.id).where(CreditAccount.id == account_id, account_scope(actor))
    ) is not None


def require_account(session: Session, actor: Actor, account_id: int, *,
                    action: str = "see") -> CreditAccount:
    """The account, if ``actor`` may see it; otherwise a clear refusal (NotFound when it
    does not exist, Forbidden when it is someone else's)."""
    account = session.get(CreditAccount, account_id)
    if account is None:
        raise NotFound(_("Credit account {id} does not exist.", id=account_id))
    if not can_see_account(session, actor, account_id):
        raise refuse(actor, action, f"credit_account:{account_id}",
                     _("You may not see this customer's credit in this business unit."),
                     business_unit_id=account.business_unit_id)
    return account


def visible_business_units(actor: Actor, all_ids: Iterable[int]) -> list[int]:
    if actor.is_system:
        return list(all_ids)
    mine = actor.business_unit_ids()
    return [i for i in all_ids if i in mine]
