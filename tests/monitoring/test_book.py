"""The monitoring's one-pass view of a book: its figures are the exposure's and the
dashboard's, account by account, and the overdue scan reads only what it has not reported."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from credit_domain.accounts.exposure import exposures
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.analytics.facts import Period, account_facts, months_before
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.ledger.models import Invoice
from credit_domain.monitoring import overdue
from credit_domain.monitoring.book import positions
from credit_domain.monitoring.policy import OverdueRules
from tests.analytics_book import TODAY, build_book
from tests.monitoring.helpers import add_account, add_invoice, make_org, run
from tests.statements import recorded

M = Decimal


def test_positions_agree_with_exposure_and_the_dashboards_aging(any_domain: Domain) -> None:
    book = build_book(any_domain)
    with any_domain.uow() as uow:  # a closed account is no longer watched
        uow.session.get_one(CreditAccount, book.d).status = AccountStatus.CLOSED
        uow.commit()
    in_ind = CreditAccount.business_unit_id == book.ind
    with any_domain.read() as s:
        book_positions = list(positions(s, book.ind, TODAY))
        exposure = {e.account_id: e for e in exposures(s, TODAY, in_ind)}
        day_end = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(0), dt.UTC)
        facts = {r.account_id: r for r in s.execute(select(account_facts(
            Period(TODAY, months_before(TODAY, 3), True, day_end),
            in_ind & (CreditAccount.status != AccountStatus.CLOSED))))}

    assert [p.account_id for p in book_positions] == [book.a, book.b, book.c]  # not d, not CON
    for p in book_positions:
        e, f = exposure[p.account_id], facts[p.account_id]
        assert (p.effective_limit, p.exposure, p.receivables) == (
            e.effective_limit, e.exposure, e.open_receivables)
        assert (p.current, *p.past_due) == (f.current, f.b1, f.b2, f.b3, f.b4)
        assert p.oldest_due == f.oldest_due
        # exactly two places, as a statement or a ledger shows them (PostgreSQL's sums are
        # taken as the driver gives them)
        figures = (p.effective_limit, p.exposure, p.receivables, p.overdue, *p.past_due)
        assert {v.as_tuple().exponent for v in figures} == {-2}, figures
        sums = (f._mapping[k] for k in ("receivables", "available", "b4"))
        assert {v.as_tuple().exponent for v in sums} == {-2}

    a = book_positions[0]  # by hand: see tests/analytics_book.py
    assert a.effective_limit == M("120000.00")  # 100,000 + the temporary 20,000
    assert a.receivables == M("76000.00") and a.exposure == M("83000.00")  # + order + delivery
    assert a.current == M("36000.00") and a.past_due == (M("20000.00"), M(0), M("20000.00"), M(0))
    assert (a.overdue, a.oldest_due) == (M("40000.00"), dt.date(2025, 12, 10))
    assert a.percent == M("69.2") and a.status == AccountStatus.ACTIVE
    b = book_positions[1]
    assert b.status == AccountStatus.ON_HOLD and b.past_due[3] == M("15000.00")


def test_residues_below_the_hold_floor_count_for_neither_days_nor_amount(
        domain: Domain, clock: FrozenClock) -> None:
    org = make_org(domain)
    account = add_account(domain, org, "甲公司")
    add_invoice(domain, account, "0.50", due=TODAY - dt.timedelta(days=200))
    add_invoice(domain, account, 3_000, due=TODAY - dt.timedelta(days=10))
    with domain.read() as s:
        [p] = positions(s, org.bu, TODAY, M("1.00"))
        [everything] = positions(s, org.bu, TODAY)
    assert (p.overdue, p.oldest_due) == (M("3000.00"), TODAY - dt.timedelta(days=10))
    assert (everything.overdue, everything.oldest_due) == (
        M("3000.50"), TODAY - dt.timedelta(days=200))
    assert p.past_due[3] == M("0.50")  # the aging still shows every cent


def test_the_scan_reads_only_invoices_it_has_not_reported(domain: Domain,
                                                          clock: FrozenClock) -> None:
    org = make_org(domain)
    account = add_account(domain, org, "甲公司", limit=10_000_000)
    add_invoice(domain, account, 5_000, due=TODAY - dt.timedelta(days=40))
    add_invoice(domain, account, 6_000, due=TODAY - dt.timedelta(days=2))
    add_invoice(domain, account, 7_000, due=TODAY + dt.timedelta(days=5))
    with domain.read() as s, recorded(domain.engine) as statements:
        found = [i for account in overdue.unreported(s, org.bu, TODAY, OverdueRules())
                 for i in account]
        [(stmt, params)] = [q for q in statements if "overdue_reported" in q[0]]
        plan = " ".join(str(r[-1]) for r in s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + stmt, params))
    assert sorted(i.open_amount for i in found) == [M("5000.00"), M("6000.00")]
    assert "ix_invoices_unreported" in plan  # SQLite matched the partial index's predicate

    run(domain, "overdue-scan")
    with domain.read() as s:
        assert list(overdue.unreported(s, org.bu, TODAY, OverdueRules())) == []
        reported = s.scalars(select(Invoice.due_date).where(Invoice.overdue_reported)).all()
    assert sorted(reported) == [TODAY - dt.timedelta(days=40), TODAY - dt.timedelta(days=2)]
