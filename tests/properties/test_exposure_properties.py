"""Exposure arithmetic on random ledgers: exposure never negative, available = limit −
exposure, and sequences of reservations never exceed what was available."""

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.reservations import reserve
from credit_domain.bootstrap import Domain
from credit_domain.ledger.models import OPEN_ORDER_STATUSES, OrderStatus
from tests.factories import World

TODAY = dt.date(2026, 3, 2)
_n = itertools.count()
cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
fraction = st.sampled_from([Decimal(0), Decimal("0.25"), Decimal("0.5"), Decimal(1)])
ledgers = st.fixed_dictionaries({
    "limit": cents,
    "invoices": st.lists(st.tuples(cents, fraction, st.integers(-120, 60)), max_size=8),
    "deliveries": st.lists(st.tuples(cents, st.booleans()), max_size=4),
    "orders": st.lists(st.tuples(cents, st.sampled_from(list(OrderStatus))), max_size=4),
    "temps": st.lists(st.tuples(cents, st.integers(-10, 10), st.integers(-10, 10)), max_size=3),
})
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(ledger=ledgers)
def test_exposure_is_the_sum_of_its_categories(domain: Domain, ledger: dict[str, Any]) -> None:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        n = next(_n)
        acc = w.account(w.customer(f"客户{n}"), w.business_unit(code=f"B{n}"),
                        limit=ledger["limit"])
        receivable = overdue = Decimal(0)
        for amount, paid, due_in in ledger["invoices"]:
            open_amount = (amount * (1 - paid)).quantize(Decimal("0.01"))
            due = TODAY + dt.timedelta(days=due_in)
            w.invoice(acc, amount, issued=due - dt.timedelta(days=30), due=due,
                      open_amount=open_amount)
            receivable += open_amount
            overdue += open_amount if due < TODAY else 0
        uninvoiced = sum((a for a, inv in ledger["deliveries"] if not inv), Decimal(0))
        for amount, invoiced in ledger["deliveries"]:
            w.delivery(acc, amount, invoiced=invoiced)
        open_orders = sum((a for a, s in ledger["orders"]
                           if s in OPEN_ORDER_STATUSES), Decimal(0))
        for amount, status in ledger["orders"]:
            w.order(acc, amount, status=status)
        temp = Decimal(0)
        for amount, start, length in ledger["temps"]:
            frm = TODAY + dt.timedelta(days=start)
            to = frm + dt.timedelta(days=length)
            w.temporary_limit(acc, amount, valid_from=frm, valid_to=to)
            temp += amount if frm <= TODAY <= to else 0
        uow.commit()
    with domain.read() as s:
        e = account_exposure(s, acc.id, TODAY)
    assert e.exposure == receivable + uninvoiced + open_orders
    assert e.exposure >= 0 and e.overdue == overdue
    assert e.effective_limit == ledger["limit"] + temp
    assert e.available == e.effective_limit - e.exposure


@SETTINGS
@given(limit=cents, asks=st.lists(cents, min_size=1, max_size=12))
def test_reservations_never_exceed_what_was_available(domain: Domain, limit: Decimal,
                                                     asks: list[Decimal]) -> None:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        n = next(_n)
        acc = w.account(w.customer(f"R{n}"), w.business_unit(code=f"R{n}"), limit=limit)
        uow.commit()
    reserved = Decimal(0)
    for i, amount in enumerate(asks):
        with domain.uow() as uow:
            r = reserve(uow, account_id=acc.id, amount=amount,
                        order_external_id=f"SO-{n}-{i}")
            uow.commit()
        assert r.available_before == limit - reserved
        if r.accepted:
            reserved += amount
        else:
            assert amount > limit - reserved
    assert reserved <= limit
    with domain.read() as s:
        assert account_exposure(s, acc.id, TODAY).available == limit - reserved
