"""A small organisation for workflow tests: one business unit with two teams in one region,
people in every role, and one customer's credit account owned by a salesperson."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from credit_domain.access import Actor, load_actor
from credit_domain.applications import (
    Application,
    ApplicationRequest,
    StepAssignment,
    submit,
)
from credit_domain.applications.models import ApprovalStep
from credit_domain.bootstrap import Domain
from credit_domain.orgs.models import Person, Role
from credit_domain.outbox.models import OutboxMessage
from tests.factories import World

# login → (name, role, "team" | "team2" | "region" | None)
PEOPLE: dict[str, tuple[str, Role, str | None]] = {
    "seller": ("王芳", Role.SALESPERSON, "team"),
    "seller2": ("郑爽", Role.SALESPERSON, "team2"),
    "manager": ("李强", Role.SALES_MANAGER, "team"),
    "manager2": ("孙浩", Role.SALES_MANAGER, "team2"),
    "director": ("周杰", Role.REGION_DIRECTOR, "region"),
    "finance": ("张伟", Role.FINANCE_MANAGER, None),
    "finance2": ("黄磊", Role.FINANCE_MANAGER, None),
    "risk": ("刘洋", Role.RISK_DIRECTOR, None),
    "gm": ("赵敏", Role.GENERAL_MANAGER, None),
    "admin": ("陈静", Role.CREDIT_ADMIN, None),
    "auditor": ("孙丽", Role.AUDITOR, None),
}


@dataclass
class Org:
    domain: Domain
    bu_id: int
    team_id: int
    account_id: int
    ids: dict[str, int] = field(default_factory=dict)

    def actor(self, login: str) -> Actor:
        with self.domain.read() as s:
            return load_actor(s, self.ids[login])

    def name(self, login: str) -> str:
        return PEOPLE[login][0]


def build_org(domain: Domain, *, grade: str | None = "A", limit: int | str = 100_000,
              calendar: str = "CN", skip: tuple[str, ...] = (), code: str = "IND") -> Org:
    """The organisation, without the people in ``skip``; the account has no ledger."""
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit(code, calendar=calendar)
        region = w.region(bu)
        team = w.team(bu, "T1", region)
        team2 = w.team(bu, "T2", region)
        scopes = {"team": team, "team2": team2, "region": region, None: None}
        ids = {}
        for login, (name, role, scope) in PEOPLE.items():
            if login not in skip:
                handle = login if code == "IND" else f"{login}.{code.lower()}"
                ids[login] = w.person(name, (bu, role, scopes[scope]), login=handle).id
        owner = uow.session.get(Person, ids["seller"]) if "seller" in ids else None
        account = w.account(w.customer("华为技术有限公司"), bu, owner=owner, team=team,
                            limit=limit, grade=grade)
        uow.commit()
        return Org(domain, bu.id, team.id, account.id, ids)


def request(org: Org, kind: str = "increase", amount: int | str | None = 150_000,
            **extra: Any) -> ApplicationRequest:
    return ApplicationRequest(
        account_id=org.account_id, kind=kind,
        amount=Decimal(str(amount)) if amount is not None else None,
        reason=extra.pop("reason", "旺季备货，订单增加"), **extra)


def submit_as(org: Org, login: str = "seller", kind: str = "increase",
              amount: int | str | None = 150_000, **extra: Any) -> Application:
    actor = org.actor(login)
    with org.domain.uow(actor) as uow:
        app = submit(uow, org.domain.policies, actor, request(org, kind, amount, **extra))
        uow.commit()
        return app


def act(org: Org, login: str, service: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``service(uow, actor, *args, **kwargs)`` as ``login`` and commit."""
    actor = org.actor(login)
    with org.domain.uow(actor) as uow:
        result = service(uow, actor, *args, **kwargs)
        uow.commit()
        return result


def using_policies(domain: Domain, service: Any) -> Any:
    """Adapt a service taking ``(uow, policies, actor, …)`` to :func:`act`."""
    return lambda uow, actor, *a, **k: service(uow, domain.policies, actor, *a, **k)


def install_policy(org: Org, content: str) -> None:
    with org.domain.uow() as uow:
        org.domain.policies.install(uow, org.bu_id, "approval", content, source="test")
        uow.commit()


def pending(org: Org, app_id: int) -> list[tuple[str, int]]:
    """(person name, step position) of every pending assignment, in order."""
    with org.domain.read() as s:
        rows = s.execute(
            select(StepAssignment.person_id, ApprovalStep.position)
            .join(ApprovalStep, ApprovalStep.id == StepAssignment.step_id)
            .where(StepAssignment.application_id == app_id,
                   StepAssignment.status == "pending")
            .order_by(ApprovalStep.position, StepAssignment.position)).all()
    names = {v: PEOPLE[k][0] for k, v in org.ids.items()}
    return [(names[p], pos) for p, pos in rows]


def rules(org: Org, app_id: int) -> list[tuple[str, str, str | None]]:
    """(role, rule, condition) of every step."""
    with org.domain.read() as s:
        return [(r.role, r.rule, r.condition) for r in s.scalars(
            select(ApprovalStep).where(ApprovalStep.application_id == app_id)
            .order_by(ApprovalStep.round, ApprovalStep.position))]


def steps(org: Org, app_id: int) -> list[tuple[int, int, str, str]]:
    """(round, position, role, status) of every step."""
    with org.domain.read() as s:
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(ApprovalStep.round, ApprovalStep.position, ApprovalStep.role,
                   ApprovalStep.status)
            .where(ApprovalStep.application_id == app_id)
            .order_by(ApprovalStep.round, ApprovalStep.position))]


def outbox(org: Org, kind: str | None = None) -> list[OutboxMessage]:
    with org.domain.read() as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return list(s.scalars(stmt))


def recipients(org: Org, kind: str) -> list[str]:
    names = {v: PEOPLE[k][0] for k, v in org.ids.items()}
    return [names.get(m.person_id or 0, f"#{m.channel}") for m in outbox(org, kind)]


def shanghai(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(y, m, d, h, mi, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(dt.UTC)
