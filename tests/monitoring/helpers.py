"""A small organisation and ledger for monitoring tests, and readers of what was sent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain
from credit_domain.monitoring.jobs import run_job
from credit_domain.monitoring.runner import JobReport
from credit_domain.orgs.models import BusinessUnit, Person, Role, Team
from credit_domain.outbox.models import OutboxMessage
from credit_domain.unit_of_work import UnitOfWork
from tests.factories import World


@dataclass
class Org:
    bu: int
    team: int
    other_team: int
    seller: int
    manager: int
    director: int
    finance: int
    admin: int
    other_seller: int
    other_manager: int
    names: dict[int, str] = field(default_factory=dict)


NO_RULES = "rules: []\n"


def make_org(domain: Domain, calendar: str = "CN", *, rules: str | None = NO_RULES) -> Org:
    """A unit for monitoring tests. Its business rules are switched off unless ``rules``
    is None (the shipped defaults), so each test sees what monitoring itself does."""
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit(calendar=calendar)
        east = w.region(bu)
        t1, t2 = w.team(bu, "T1", east), w.team(bu, "T2", east)
        people = {
            "seller": w.person("王芳", (bu, Role.SALESPERSON, t1)),
            "manager": w.person("李强", (bu, Role.SALES_MANAGER, t1)),
            "director": w.person("周杰", (bu, Role.REGION_DIRECTOR, east)),
            "finance": w.person("张伟", (bu, Role.FINANCE_MANAGER, None)),
            "admin": w.person("陈静", (bu, Role.CREDIT_ADMIN, None)),
            "other_seller": w.person("郑爽", (bu, Role.SALESPERSON, t2)),
            "other_manager": w.person("孙浩", (bu, Role.SALES_MANAGER, t2)),
        }
        if rules is not None:
            domain.policies.install(uow, bu.id, "rules", rules, source="test")
        uow.commit()
    return Org(bu.id, t1.id, t2.id, **{k: p.id for k, p in people.items()},
               names={p.id: p.name for p in people.values()})


def add_account(domain: Domain, org: Org, name: str, *, limit: int = 100_000,
                other_team: bool = False) -> int:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = uow.session.get(BusinessUnit, org.bu)
        team = uow.session.get(Team, org.other_team if other_team else org.team)
        owner = uow.session.get(Person, org.other_seller if other_team else org.seller)
        assert bu and team and owner
        account = w.account(w.customer(name), bu, owner=owner, team=team, limit=limit)
        uow.commit()
    return account.id


def in_uow(domain: Domain, fn: Any) -> Any:
    with domain.uow() as uow:
        result = fn(uow, World(uow.session, uow.now()))
        uow.commit()
    return result


def add_invoice(domain: Domain, account_id: int, amount: int | str, *, due: dt.date,
                issued: dt.date | None = None) -> int:
    def build(uow: UnitOfWork, w: World) -> int:
        account = uow.session.get(CreditAccount, account_id)
        assert account is not None
        inv = w.invoice(account, Decimal(str(amount)), issued=issued or due - dt.timedelta(30),
                        due=due)
        return inv.id

    return int(in_uow(domain, build))


def run(domain: Domain, job: str, **kwargs: Any) -> JobReport:
    report = run_job(domain, job, **kwargs)
    assert report is not None
    return report


def sent(domain: Domain, kind: str | None = None) -> list[OutboxMessage]:
    """Outbox rows (all statuses), oldest first."""
    with domain.read() as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return list(s.scalars(stmt))


def dedupe_key(m: OutboxMessage) -> str:
    """The message's dedupe key; every message these tests look at has one."""
    assert m.dedupe_key is not None
    return m.dedupe_key


def recipients(messages: list[OutboxMessage]) -> Counter[str]:
    """person:<id> / #channel → number of messages."""
    return Counter(f"#{m.channel}" if m.channel else f"person:{m.person_id}" for m in messages)


def events_of(domain: Domain) -> list[Any]:
    """Start recording every domain event published from now on."""
    seen: list[Any] = []
    domain.subscribers.append(lambda _uow, event: seen.append(event))
    return seen
