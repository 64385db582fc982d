"""The demo opens applications in every state through the real services — decisions wait for
李强 and 张伟 — and a blocked order with its release application; the same seed and date
give the same applications."""

import datetime as dt

from sqlalchemy import select

from credit_domain.applications import Application, pending_for
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.demo.seed import reset, seed_demo
from credit_domain.demo.workflow import seed_applications
from credit_domain.ledger.models import Order
from credit_domain.orgs.models import PlatformIdentity
from credit_domain.scoring.services import recompute_all

TODAY = dt.date(2026, 3, 2)


def seeded(domain: Domain) -> list[tuple[str, str, str, str]]:
    seed_demo(domain, customers=80, today=TODAY)
    recompute_all(domain, trigger="demo")
    seed_applications(domain)
    with domain.read() as s:
        return [(a.number, a.kind, a.status, str(a.requested_amount))
                for a in s.scalars(select(Application).order_by(Application.id))]


def person(domain: Domain, login: str) -> int:
    with domain.read() as s:
        return int(s.scalars(select(PlatformIdentity.person_id).where(
            PlatformIdentity.external_id == login)).one())


def test_applications_in_every_state_wait_for_liqiang_and_zhangwei(
        domain: Domain, clock: FrozenClock) -> None:
    first = seeded(domain)
    statuses = {status for _n, _k, status, _a in first}
    assert statuses == {"draft", "pending", "approved", "returned", "rejected", "withdrawn"}
    with domain.read() as s:
        for_li = {(p.application.kind, p.application.status)
                  for p in pending_for(s, person(domain, "liqiang"))}
        for_zhang = pending_for(s, person(domain, "zhangwei"))
        blocked = s.scalars(select(Order).where(Order.status == "blocked")).one()
        release = s.scalars(select(Application).where(
            Application.kind == "order_release")).one()
        by_rule = s.scalars(select(Application).where(
            Application.status == "rejected", Application.decided_by_id.is_(None))).all()
    assert for_li == {("increase", "pending"), ("order_release", "pending")}
    assert [p.step for p in for_zhang] and all(
        p.application.status == "pending" for p in for_zhang)
    assert release.order_id == blocked.id and release.origin == "rule:order-check"
    assert len(by_rule) == 1  # the high-risk rule's rejection
    reset(domain)
    assert seeded(domain) == first  # deterministic
