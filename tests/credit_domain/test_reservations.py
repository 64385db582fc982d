"""Reserving exposure is atomic: concurrent orders never together exceed the available limit
(SQLite: BEGIN IMMEDIATE; PostgreSQL: a row lock on the credit account)."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.models import AccountStatus
from credit_domain.accounts.reservations import Reservation, reserve
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.errors import InvalidInput
from credit_domain.ledger.models import Order
from tests.factories import World

TODAY = dt.date(2026, 3, 2)


def make_account(domain: Domain, limit: str, status: AccountStatus = AccountStatus.ACTIVE) -> int:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        acc = w.account(w.customer("并发客户"), w.business_unit(), limit=limit, status=status)
        w.invoice(acc, "10000.00", issued=TODAY)  # available = limit − 10,000
        uow.commit()
        return acc.id


def reserve_once(domain: Domain, account_id: int, amount: str, order: str) -> Reservation:
    with domain.uow() as uow:
        r = reserve(uow, account_id=account_id, amount=Decimal(amount), order_external_id=order)
        uow.commit()
        return r


def test_concurrent_reservations_accept_exactly_the_fitting_ones(any_domain: Domain) -> None:
    account_id = make_account(any_domain, "110000.00")  # 100,000 available
    start = threading.Barrier(24)

    def attempt(i: int) -> Reservation:
        start.wait()
        return reserve_once(any_domain, account_id, "7000.00", f"SO-{i}")

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(attempt, range(24)))  # asks for 168,000 in all

    accepted = [r for r in results if r.accepted]
    assert len(accepted) == 14  # 14 × 7,000 = 98,000 ≤ 100,000 < 15 × 7,000
    with any_domain.read() as s:
        e = account_exposure(s, account_id, TODAY)
        orders = s.scalar(select(func.count()).select_from(Order))
        audits = s.scalar(select(func.count()).select_from(AuditEvent))
    assert orders == 14 and audits == 14
    assert e.open_orders == Decimal("98000.00")
    assert e.available == Decimal("2000.00")
    refused = [r for r in results if not r.accepted]
    assert all(r.shortfall > 0 for r in refused)


def test_mixed_amounts_never_over_reserve(any_domain: Domain) -> None:
    account_id = make_account(any_domain, "60000.00")  # 50,000 available
    amounts = ["9000.00", "13000.00", "21000.00", "4000.00", "17000.00", "8000.00"] * 3
    start = threading.Barrier(len(amounts))

    def attempt(i: int) -> Reservation:
        start.wait()
        return reserve_once(any_domain, account_id, amounts[i], f"SO-{i}")

    with ThreadPoolExecutor(max_workers=len(amounts)) as pool:
        results = list(pool.map(attempt, range(len(amounts))))
    total = sum((r.amount for r in results if r.accepted), Decimal(0))
    assert total <= Decimal("50000.00")
    # Reservations only ever add exposure, so a refusal means the amount did not fit even
    # in what was left at the end.
    left = Decimal("50000.00") - total
    assert all(r.amount > left for r in results if not r.accepted)
    assert all(r.amount > r.available_before for r in results if not r.accepted)


def test_resending_the_same_order_reserves_once(domain: Domain) -> None:
    account_id = make_account(domain, "20000.00")
    first = reserve_once(domain, account_id, "6000.00", "SO-1")
    again = reserve_once(domain, account_id, "6000.00", "SO-1")
    assert first.accepted and again.accepted and again.repeated
    assert again.order_id == first.order_id
    with domain.read() as s:
        assert account_exposure(s, account_id, TODAY).open_orders == Decimal("6000.00")


def test_on_hold_refuses_and_changes_nothing(domain: Domain) -> None:
    account_id = make_account(domain, "50000.00", AccountStatus.ON_HOLD)
    r = reserve_once(domain, account_id, "1.00", "SO-9")
    assert not r.accepted and r.on_hold
    with domain.read() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0


def test_bad_amount_is_refused(domain: Domain) -> None:
    account_id = make_account(domain, "50000.00")
    with pytest.raises(InvalidInput):
        reserve_once(domain, account_id, "-1", "SO-X")
