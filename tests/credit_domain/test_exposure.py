"""Exposure and available limit on constructed ledgers, on SQLite and PostgreSQL."""

import datetime as dt
from decimal import Decimal

from credit_domain.accounts.exposure import account_exposure, exposures, group_exposure
from credit_domain.accounts.models import TemporaryLimitStatus
from credit_domain.bootstrap import Domain
from credit_domain.ledger.models import OrderStatus
from tests.factories import World

TODAY = dt.date(2026, 3, 2)


def test_exposure_sums_every_category(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit()
        acc = w.account(w.customer("甲公司"), bu, limit="100000.00")
        w.invoice(acc, "10000.10", issued=TODAY - dt.timedelta(days=60))  # overdue 30 days
        paid = w.invoice(acc, "5000.00", issued=TODAY - dt.timedelta(days=10))
        w.payment(acc, "2000.00", on=TODAY, invoice=paid)
        w.invoice(acc, "999.99", issued=TODAY - dt.timedelta(days=400), open_amount=0)
        w.delivery(acc, "0.20")
        w.delivery(acc, "777.00", invoiced=True)  # already invoiced: not exposure twice
        w.order(acc, "20000.00")
        w.order(acc, "5.00", status=OrderStatus.CANCELLED)
        w.order(acc, "6.00", status=OrderStatus.BLOCKED)
        w.temporary_limit(acc, "30000.00", valid_from=TODAY - dt.timedelta(days=1),
                          valid_to=TODAY)
        w.temporary_limit(acc, "1.00", valid_from=TODAY + dt.timedelta(days=1),
                          valid_to=TODAY + dt.timedelta(days=9))
        w.temporary_limit(acc, "2.00", valid_from=TODAY - dt.timedelta(days=9),
                          valid_to=TODAY, status=TemporaryLimitStatus.REVOKED)
        uow.commit()
    with any_domain.read() as s:
        e = account_exposure(s, acc.id, TODAY)
    assert e.open_receivables == Decimal("13000.10")
    assert e.uninvoiced_deliveries == Decimal("0.20")
    assert e.open_orders == Decimal("20000.00")
    assert e.exposure == Decimal("33000.30")
    assert e.effective_limit == Decimal("130000.00")
    assert e.available == Decimal("96999.70")
    assert e.overdue == Decimal("10000.10")
    assert isinstance(e.exposure, Decimal)


def test_money_sums_are_exact_to_the_cent(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        acc = w.account(w.customer("乙公司"), w.business_unit(), limit="1.00")
        for _ in range(10):
            w.invoice(acc, "0.10", issued=TODAY)
        w.invoice(acc, "9999999999.99", issued=TODAY)
        uow.commit()
    with any_domain.read() as s:
        e = account_exposure(s, acc.id, TODAY)
    assert e.open_receivables == Decimal("10000000000.99")
    assert e.available == Decimal("-9999999999.99")


def test_an_account_with_nothing_has_zero_exposure(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        acc = w.account(w.customer("丙公司"), w.business_unit(), limit=5000)
        uow.commit()
    with any_domain.read() as s:
        [e] = exposures(s, TODAY)
    assert (e.account_id, e.exposure, e.available) == (acc.id, Decimal("0.00"), Decimal("5000.00"))
    assert e.utilisation == 0.0


def test_group_view_sums_related_companies_in_one_unit(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu, other = w.business_unit(), w.business_unit("CON", "消费品")
        parent = w.customer("集团总部")
        child = w.customer("集团子公司", parent=parent)
        grandchild = w.customer("集团孙公司", parent=child)
        stranger = w.customer("无关公司")
        for c, amount in ((parent, 100), (child, 20), (grandchild, 3), (stranger, 1000)):
            acc = w.account(c, bu, limit=1000)
            w.invoice(acc, amount, issued=TODAY)
        w.invoice(w.account(child, other, limit=9), 50, issued=TODAY)  # another unit
        uow.commit()
    with any_domain.read() as s:
        g = group_exposure(s, grandchild.id, bu.id, TODAY)
    assert g.root_customer_id == parent.id
    assert len(g.members) == 3
    assert g.exposure == Decimal("123.00")
    assert g.effective_limit == Decimal("3000.00")
    assert g.available == Decimal("2877.00")
