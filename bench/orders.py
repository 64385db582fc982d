"""Order credit checks under contention: 8 clients at once, half their orders on a few hot
customers, against the bare conditional UPDATE loop; then the check's promise is asserted:
no hot customer was reserved beyond what it had available."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, insert, select

from bench import floor
from credit_domain.access import Actor
from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain
from credit_domain.customers.models import Customer
from credit_domain.db.engine import make_engine
from credit_domain.ledger.models import Order, OrderStatus
from credit_domain.ledger.records import OrderRecord
from credit_domain.orders.check import check_order
from credit_domain.orgs.models import BusinessUnit
from credit_domain.uscc import make_uscc

CLIENTS = 8
HOT = 4
MAX_CENTS = 2_000_000  # the largest order: 20,000.00
Plan = list[list[tuple[int, str, int]]]  # per client: (account id, customer no., cents)


@dataclass(frozen=True)
class Outcome:
    seconds: float
    checks: int
    passed: int
    errors: int

    @property
    def per_second(self) -> float:
        return self.checks / self.seconds


def hot_limit(per_client: int) -> Decimal:
    """A limit the hot customers' orders exceed about twice over: they run out mid-run."""
    demand = CLIENTS * per_client * 0.5 * 10_500 / HOT
    return Decimal(max(int(demand / 3 / 1000) * 1000, 40_000))


def hot_accounts(domain: Domain, run: str, limit: Decimal) -> dict[int, str]:
    """Fresh hot customers for this run (``limit``, nothing owed): id → customer no."""
    rng = random.Random(run)
    now = domain.clock.now()
    out: dict[int, str] = {}
    with domain.uow() as uow:
        s = uow.session
        for k in range(HOT):
            code = "".join(rng.choice("0123456789") for _ in range(8))
            uscc = make_uscc("91440000" + code + "X")
            while s.scalar(select(func.count()).select_from(Customer).where(
                    Customer.uscc == uscc)):
                uscc = make_uscc("91440000" + "".join(
                    rng.choice("0123456789") for _ in range(8)) + "X")
            cid = s.execute(insert(Customer).values(
                legal_name=f"热点客户{run}-{k}有限公司", normalized_name=f"热点客户{run}-{k}",
                uscc=uscc, created_at=now, updated_at=now).returning(Customer.id)).scalar_one()
            external = f"HOT-{run}-{k}"
            aid = s.execute(insert(CreditAccount).values(
                business_unit_id=1, customer_id=cid, external_id=external, owner_id=1,
                team_id=1, region_id=2, payment_terms_days=30, credit_limit=limit,
                grade="A", score=80.0, status="active", version=1, created_at=now,
                updated_at=now).returning(CreditAccount.id)).scalar_one()
            out[aid] = external
        uow.commit()
    return out


def make_plan(domain: Domain, hot: dict[int, str], per_client: int, seed: int) -> Plan:
    with domain.read() as s:
        others = s.execute(select(CreditAccount.id, CreditAccount.external_id).where(
            CreditAccount.business_unit_id == 1, CreditAccount.external_id.like("C%"))
            .order_by(CreditAccount.id)).all()
    rng = random.Random(seed)
    hot_list = list(hot.items())
    plan: Plan = []
    for _c in range(CLIENTS):
        ops = []
        for _ in range(per_client):
            aid, ext = rng.choice(hot_list) if rng.random() < 0.5 else rng.choice(others)
            ops.append((int(aid), str(ext), rng.randint(1_000, 20_000) * 100))
        plan.append(ops)
    return plan


def _run(clients: list[Callable[[], tuple[int, int, int]]]) -> Outcome:
    results: list[tuple[int, int, int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients) + 1)

    def work(fn: Callable[[], tuple[int, int, int]]) -> None:
        barrier.wait()
        r = fn()
        with lock:
            results.append(r)

    threads = [threading.Thread(target=work, args=(fn,)) for fn in clients]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    return Outcome(seconds, sum(r[0] for r in results), sum(r[1] for r in results),
                   sum(r[2] for r in results))


def run_creditbot(domain: Domain, plan: Plan, run: str) -> Outcome:
    """Each client checks its orders through the product's service, one unit of work each
    (what ``POST /api/v1/orders/check`` does, without the HTTP)."""
    actor = Actor.system("bench-erp")

    def client(index: int) -> Callable[[], tuple[int, int, int]]:
        def go() -> tuple[int, int, int]:
            done = passed = errors = 0
            for n, (_aid, ext, cents) in enumerate(plan[index]):
                rec = OrderRecord(customer_external_id=ext, external_id=f"B{run}-{index}-{n}",
                                  amount=Decimal(cents) / 100)
                try:
                    with domain.uow(actor) as uow:  # the unit read in it, as the API does
                        bu = uow.session.get(BusinessUnit, 1)
                        assert bu is not None
                        answer = check_order(uow, bu, domain.policies.get(
                            1, "order_check", uow.session), rec, domain.ports)
                        uow.commit()
                    passed += answer.passed
                except Exception:
                    errors += 1
                done += 1
            return done, passed, errors
        return go

    return _run([client(i) for i in range(CLIENTS)])


def run_floor(domain: Domain, plan: Plan, hot: dict[int, str], limit: Decimal) -> Outcome:
    """The bare conditional UPDATE per order, on an engine of its own: on SQLite without
    creditbot's write gate, which costs a loop of sub-millisecond transactions a thread
    hand-over each (about half its rate) and creditbot's checks nothing measurable."""
    engine = make_engine(domain.engine.url.render_as_string(hide_password=False),
                         write_gate=False)
    with engine.begin() as conn:
        floor.reset_available(conn, {aid: int(limit * 100) for aid in hot})

    def client(index: int) -> Callable[[], tuple[int, int, int]]:
        def go() -> tuple[int, int, int]:
            done = passed = 0
            for aid, _ext, cents in plan[index]:
                with engine.begin() as conn:
                    passed += floor.reserve(conn, aid, cents)
                done += 1
            return done, passed, 0
        return go

    try:
        return _run([client(i) for i in range(CLIENTS)])
    finally:
        engine.dispose()


def check_no_over_reservation(domain: Domain, hot: dict[int, str], limit: Decimal
                              ) -> list[str]:
    """Problems found: a hot customer reserved beyond its limit, or the floor gone below 0."""
    problems = []
    with domain.read() as s:
        for aid in hot:
            reserved = s.scalar(select(func.coalesce(func.sum(Order.open_amount), 0)).where(
                Order.account_id == aid, Order.status == OrderStatus.RESERVED)) or 0
            if Decimal(reserved) > limit:
                problems.append(f"account {aid}: {reserved} reserved of {limit}")
            if Decimal(reserved) <= limit - Decimal(MAX_CENTS) / 100:
                problems.append(f"account {aid}: only {reserved} reserved of {limit}; "
                                "its limit was never reached")
    with domain.engine.connect() as conn:
        low = conn.exec_driver_sql("SELECT MIN(available) FROM bench_available").scalar()
        if low is not None and low < 0:
            problems.append(f"the floor went below zero ({low})")
    return problems

