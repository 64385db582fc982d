"""A deterministic bulk data set for benchmarks: the month-end morning of a large book.

``generate(engine, customers=100_000, invoices=1_000_000, payments=500_000, orders=200_000)``
writes organisations, customers with valid USCCs, one credit account each, invoices spread
over every aging bucket, payments allocated to invoices (on time and late), orders (open and
completed) and deliveries, with ``Invoice.open_amount`` consistent with the allocations.
Rows go in with batched Core inserts (no ORM objects), in chunks, so memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from credit_domain.accounts.models import CreditAccount
from credit_domain.customers.models import Customer
from credit_domain.demo.seed import org_code
from credit_domain.ledger.models import Allocation, Delivery, Invoice, Order, Payment
from credit_domain.orgs.models import (
    BusinessUnit,
    Person,
    PlatformIdentity,
    Region,
    Role,
    RoleAssignment,
    Team,
)
from credit_domain.uscc import make_uscc

CHUNK = 20_000
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class BulkSummary:
    customers: int
    invoices: int
    payments: int
    orders: int
    teams: int
    salespeople: int


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(engine: Engine, table: Any, rows: Iterator[dict[str, Any]], label: str,
           progress: Progress | None) -> int:
    n = 0
    for batch in _chunks(rows):
        with engine.begin() as conn:
            conn.execute(insert(table), batch)
        n += len(batch)
        if progress:
            progress(label, len(batch))
    return n


def generate(
    engine: Engine, *, customers: int = 100_000, invoices: int = 1_000_000,
    payments: int = 500_000, orders: int = 200_000, today: dt.date, seed: int = 7,
    now: dt.datetime, progress: Progress | None = None,
) -> BulkSummary:
    """Fill an empty, migrated database (see module docstring)."""
    rng = random.Random(seed)
    teams_n, per_team = max(1, customers // 2000), 10
    ts = {"created_at": now, "updated_at": now}

    with engine.begin() as conn:
        conn.execute(insert(BusinessUnit), [{
            "id": 1, "code": "BIG", "name": "大客户事业部", "name_en": "Key Accounts",
            "currency": "CNY", "timezone": "Asia/Shanghai", "calendar": "CN",
            "locale": "zh_CN"}])
        conn.execute(insert(Region), [
            {"id": r, "business_unit_id": 1, "code": f"R{r}", "name": f"区域{r}"}
            for r in range(1, 6)])
        conn.execute(insert(Team), [
            {"id": t, "business_unit_id": 1, "region_id": 1 + t % 5, "code": f"T{t}",
             "name": f"销售{t}组"} for t in range(1, teams_n + 1)])
    people: list[dict[str, Any]] = [{"id": p, "name": f"销售{p}", "active": True}
                                     for p in range(1, teams_n * per_team + 1)]
    _write(engine, Person, iter(people), "people", progress)
    _write(engine, RoleAssignment, iter(
        {"person_id": p["id"], "business_unit_id": 1, "role": Role.SALESPERSON.value,
         "team_id": 1 + (p["id"] - 1) // per_team, "region_id": None} for p in people),
        "roles", progress)
    _write(engine, PlatformIdentity, iter(
        {"person_id": p["id"], "platform": "emulator", "tenant": "", "external_id": f"s{p['id']}"}
        for p in people), "identities", progress)
    # Who decides: each team's sales manager, each region's director, and the unit's finance
    # manager, risk director, general manager and credit administrator (the approval policy's
    # routes find every step someone to ask, as in a real organisation).
    first = len(people) + 1
    managers: list[tuple[Role, int | None, int | None, str]] = [
        (Role.SALES_MANAGER, t, None, f"销售经理{t}") for t in range(1, teams_n + 1)]
    managers += [(Role.REGION_DIRECTOR, None, r, f"区域总监{r}") for r in range(1, 6)]
    managers += [(role, None, None, name) for role, name in (
        (Role.FINANCE_MANAGER, "财务经理"), (Role.RISK_DIRECTOR, "风控总监"),
        (Role.GENERAL_MANAGER, "总经理"), (Role.CREDIT_ADMIN, "信用管理员"))]
    _write(engine, Person, iter({"id": first + i, "name": name, "active": True}
                                for i, (_r, _t, _g, name) in enumerate(managers)),
           "people", progress)
    _write(engine, RoleAssignment, iter(
        {"person_id": first + i, "business_unit_id": 1, "role": role.value, "team_id": team,
         "region_id": region} for i, (role, team, region, _n) in enumerate(managers)),
        "roles", progress)

    terms = [30, 45, 60, 90]

    def customer_rows() -> Iterator[dict[str, Any]]:
        for c in range(1, customers + 1):
            name = f"上海测试{c:06d}贸易有限公司"
            yield {"id": c, "legal_name": name, "normalized_name": f"上海测试{c:06d}贸易",
                   "uscc": make_uscc("91310000" + org_code(rng)), **ts}

    # USCCs are random; a rare collision would break the unique index, so make them unique.
    seen: set[str] = set()

    def unique_customers() -> Iterator[dict[str, Any]]:
        for row in customer_rows():
            while row["uscc"] in seen:
                row["uscc"] = make_uscc("91310000" + org_code(rng))
            seen.add(row["uscc"])
            yield row

    _write(engine, Customer, unique_customers(), "customers", progress)
    seen.clear()
    owners = len(people)

    def account_rows() -> Iterator[dict[str, Any]]:
        for c in range(1, customers + 1):
            owner = 1 + (c * 7919) % owners
            yield {"id": c, "business_unit_id": 1, "customer_id": c, "external_id": f"C{c:07d}",
                   "owner_id": owner, "team_id": 1 + (owner - 1) // per_team,
                   "region_id": 1 + (1 + (owner - 1) // per_team) % 5,
                   "payment_terms_days": terms[c % 4],
                   "credit_limit": Decimal(rng.choice([5, 10, 20, 50, 100, 200])) * 10_000,
                   "grade": rng.choice(["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "C"]),
                   "score": float(rng.randint(30, 95)), "status": "active", "version": 1,
                   "review_date": today + dt.timedelta(days=rng.randint(-60, 300)), **ts}

    _write(engine, CreditAccount, account_rows(), "accounts", progress)

    # Invoices: the first `payments` invoices get one payment each (settling them fully,
    # or half for one in ten); the rest stay open, due dates spread over every bucket. The
    # book is one the monitoring has watched: invoices that fell overdue before the last week
    # were reported then (the default policy's ``new_within_days``).
    watched_until = today - dt.timedelta(days=7)
    def invoice_rows() -> Iterator[dict[str, Any]]:
        for i in range(1, invoices + 1):
            acc = 1 + (i * 2654435761) % customers
            issue = today - dt.timedelta(days=rng.randint(0, 420))
            amount = Decimal(rng.randint(1_000, 500_000)) + Decimal(rng.randint(0, 99)) / 100
            paid = amount if i <= payments else Decimal(0)
            if i <= payments and i % 10 == 0:
                paid = (amount / 2).quantize(Decimal("0.01"))
            due = issue + dt.timedelta(days=terms[acc % 4])
            pay_day = min(today, due + dt.timedelta(days=rng.randint(-10, 40)))
            yield {"id": i, "business_unit_id": 1, "account_id": acc, "external_id": f"I{i:08d}",
                   "amount": amount, "open_amount": amount - paid, "issue_date": issue,
                   "due_date": due, "settled_on": pay_day if paid == amount else None,
                   "overdue_reported": due < watched_until, **ts,
                   "_paid": paid, "_pay_day": pay_day}

    payment_rows: list[dict[str, Any]] = []
    alloc_rows: list[dict[str, Any]] = []
    n_inv = n_pay = 0
    for batch in _chunks(invoice_rows()):
        for row in batch:
            paid, day = row.pop("_paid"), row.pop("_pay_day")
            if paid:
                n_pay += 1
                payment_rows.append({"id": n_pay, "business_unit_id": 1,
                                     "account_id": row["account_id"],
                                     "external_id": f"P{n_pay:08d}", "amount": paid,
                                     "unapplied_amount": Decimal(0), "received_on": day, **ts})
                alloc_rows.append({"id": n_pay, "invoice_id": row["id"], "payment_id": n_pay,
                                   "amount": paid, "applied_on": day})
        with engine.begin() as conn:
            conn.execute(insert(Invoice), batch)
            if payment_rows:
                conn.execute(insert(Payment), payment_rows)
                conn.execute(insert(Allocation), alloc_rows)
        n_inv += len(batch)
        if progress:
            progress("invoices", len(batch))
        payment_rows, alloc_rows = [], []

    def order_rows() -> Iterator[dict[str, Any]]:
        for o in range(1, orders + 1):
            acc = 1 + (o * 40503) % customers
            amount = Decimal(rng.randint(1_000, 100_000))
            done = o % 4 != 0  # three in four completed, the rest open (exposure)
            yield {"id": o, "business_unit_id": 1, "account_id": acc, "external_id": f"O{o:08d}",
                   "amount": amount, "open_amount": Decimal(0) if done else amount,
                   "status": "completed" if done else "reserved",
                   "ordered_on": today - dt.timedelta(days=rng.randint(0, 90)), **ts}

    _write(engine, Order, order_rows(), "orders", progress)
    _write(engine, Delivery, iter(
        {"id": d, "business_unit_id": 1, "account_id": 1 + (d * 31) % customers,
         "order_id": None, "external_id": f"D{d:08d}", "amount": Decimal(rng.randint(500, 50_000)),
         "shipped_on": today - dt.timedelta(days=rng.randint(0, 10)), "invoiced_at": None, **ts}
        for d in range(1, orders // 10 + 1)), "deliveries", progress)
    if engine.dialect.name == "postgresql":
        _reset_sequences(engine)
    return BulkSummary(customers, n_inv, n_pay, orders, teams_n, len(people))


def _reset_sequences(engine: Engine) -> None:
    """Explicit ids bypass PostgreSQL sequences; move them past the rows written."""
    tables = ["business_units", "regions", "teams", "people", "role_assignments",
              "platform_identities", "customers", "credit_accounts", "invoices", "payments",
              "allocations", "orders", "deliveries"]
    with engine.begin() as conn:
        for t in tables:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)")
