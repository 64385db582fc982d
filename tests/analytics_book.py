"""A small credit book with hand-computed figures, shared by the analytics tests (domain,
web, API, CLI, chat cards). Today is Monday 2 March 2026 (the suite's frozen clock).

Business unit IND: region EAST (teams T1, T2), region SOUTH (team T3). Business unit CON: one
team. Account A is the worked example of the README (CEI and count-back DSO); the expected
figures below are computed by hand in ``tests/credit_domain/analytics/test_kpis.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from credit_domain.accounts.models import AccountStatus
from credit_domain.bootstrap import Domain
from credit_domain.orgs.models import Role
from tests.factories import World

TODAY = dt.date(2026, 3, 2)
D = dt.date


@dataclass(frozen=True)
class Book:
    ind: int
    con: int
    a: int  # account ids
    b: int
    c: int
    d: int
    e: int
    customer_a: int
    salesperson_1: int  # person ids
    salesperson_2: int
    manager_1: int
    finance: int
    con_sales: int
    outsider: int


def build_book(domain: Domain) -> Book:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        ind, con = w.business_unit("IND", "工业品事业部"), w.business_unit("CON", "消费品事业部")
        east, south = w.region(ind, "EAST", "华东区"), w.region(ind, "SOUTH", "华南区")
        t1, t2, t3 = w.team(ind, "T1", east), w.team(ind, "T2", east), w.team(ind, "T3", south)
        c1 = w.team(con, "C1", w.region(con, "EAST", "华东区"))
        s1 = w.person("王芳", (ind, Role.SALESPERSON, t1))
        s2 = w.person("郑爽", (ind, Role.SALESPERSON, t2))
        s3 = w.person("冯涛", (ind, Role.SALESPERSON, t3))
        m1 = w.person("李强", (ind, Role.SALES_MANAGER, t1))
        fin = w.person("张伟", (ind, Role.FINANCE_MANAGER, None))
        cs = w.person("林娜", (con, Role.SALESPERSON, c1))
        outsider = w.person("路人", (con, Role.SALESPERSON, c1))

        cust_a = w.customer("甲精密机械有限公司")
        a = w.account(cust_a, ind, owner=s1, team=t1, limit=100_000, grade="A")
        inv0 = w.invoice(a, 5_000, issued=D(2025, 10, 1))
        w.payment(a, 5_000, on=D(2025, 11, 5), invoice=inv0)
        inv1 = w.invoice(a, 30_000, issued=D(2025, 11, 10))  # due 2025-12-10
        w.payment(a, 10_000, on=D(2025, 12, 20), invoice=inv1)
        inv2 = w.invoice(a, 40_000, issued=D(2025, 12, 15))  # due 2026-01-14
        w.payment(a, 40_000, on=D(2026, 1, 20), invoice=inv2)
        w.invoice(a, 20_000, issued=D(2026, 1, 10))  # due 2026-02-09
        w.invoice(a, 30_000, issued=D(2026, 2, 10))  # due 2026-03-12
        inv5 = w.invoice(a, 10_000, issued=D(2026, 2, 25))  # due 2026-03-27
        w.payment(a, 4_000, on=D(2026, 3, 1), invoice=inv5)
        w.order(a, 5_000, on=TODAY)
        w.delivery(a, 2_000, on=TODAY)
        w.temporary_limit(a, 20_000, valid_from=D(2026, 2, 20), valid_to=D(2026, 3, 10))

        b = w.account(w.customer("乙贸易有限公司"), ind, owner=s1, team=t1, limit=50_000,
                      grade="B", status=AccountStatus.ON_HOLD)
        b.hold_since = dt.datetime(2026, 2, 1, 2, 0, tzinfo=dt.UTC)
        b.hold_reason = "逾期超过90天"
        w.invoice(b, 15_000, issued=D(2025, 10, 1))  # due 2025-10-31
        c = w.account(w.customer("丙电子科技有限公司"), ind, owner=s2, team=t2, limit=200_000,
                      grade="AA")
        w.invoice(c, 150_000, issued=D(2026, 2, 20))  # due 2026-03-22
        w.order(c, 70_000, on=D(2026, 2, 27))
        d = w.account(w.customer("丁物流有限公司"), ind, owner=s3, team=t3, limit=80_000,
                      grade=None)
        e = w.account(w.customer("戊食品有限公司"), con, owner=cs, team=c1, limit=1_000_000,
                      grade="C")
        w.invoice(e, 500_000, issued=D(2025, 12, 22))  # due 2026-01-21: 40 days overdue
        uow.commit()
        return Book(ind.id, con.id, a.id, b.id, c.id, d.id, e.id, cust_a.id, s1.id, s2.id,
                    m1.id, fin.id, cs.id, outsider.id)
