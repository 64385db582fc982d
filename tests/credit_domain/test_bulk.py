"""The benchmark data generator writes a consistent book, the same for the same seed."""

import datetime as dt

from sqlalchemy import func, select

from credit_domain.accounts.models import CreditAccount
from credit_domain.applications.routing import holders_by_role, requester_scope
from credit_domain.bootstrap import Domain
from credit_domain.customers.models import Customer
from credit_domain.demo.bulk import generate
from credit_domain.ledger.models import Allocation, Invoice, Order, Payment
from credit_domain.orgs.models import Role
from credit_domain.uscc import is_valid_uscc

TODAY = dt.date(2026, 11, 30)


def test_bulk_book_is_consistent(any_domain: Domain) -> None:
    s = generate(any_domain.engine, customers=300, invoices=3000, payments=1500, orders=400,
                 today=TODAY, now=any_domain.clock.now())
    assert (s.customers, s.invoices, s.payments, s.orders) == (300, 3000, 1500, 400)
    with any_domain.read() as session:
        allocated = (select(Allocation.invoice_id, func.sum(Allocation.amount).label("paid"))
                     .group_by(Allocation.invoice_id).subquery())
        mismatched = session.scalar(
            select(func.count()).select_from(Invoice)
            .outerjoin(allocated, allocated.c.invoice_id == Invoice.id)
            .where(Invoice.open_amount != Invoice.amount - func.coalesce(allocated.c.paid, 0)))
        assert mismatched == 0
        assert session.scalar(select(func.count()).select_from(Payment)) == 1500
        open_orders = session.scalar(select(func.count()).select_from(Order)
                                     .where(Order.status == "reserved"))
        assert open_orders == 100
        assert all(u is not None and is_valid_uscc(u)
                   for u in session.scalars(select(Customer.uscc).limit(50)))
        overdue = session.scalar(select(func.count()).select_from(Invoice).where(
            Invoice.open_amount > 0, Invoice.due_date < TODAY - dt.timedelta(days=90)))
        assert overdue and overdue > 0
        # every account's routes find someone to decide each step: its team's sales manager,
        # its region's director, the unit's finance manager and risk director
        for account in session.scalars(select(CreditAccount).where(
                CreditAccount.id.in_([1, 150, 300]))):
            scope = requester_scope(session, account, None)
            holders = holders_by_role(session, scope, [
                Role.SALES_MANAGER, Role.REGION_DIRECTOR, Role.FINANCE_MANAGER,
                Role.RISK_DIRECTOR])
            assert all(len(people) == 1 for people in holders.values()), holders
    # a new row after explicit ids gets a fresh id on PostgreSQL too
    from tests.factories import World

    with any_domain.uow() as uow:
        c = World(uow.session, uow.now()).customer("生成后新客户")
        uow.commit()
    assert c.id == 301
