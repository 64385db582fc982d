"""Each indicator on constructed histories, as of today and as of a past date, on SQLite
and PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest

from credit_domain.bootstrap import Domain
from credit_domain.bureau.report import (
    AbnormalOperation,
    BureauReport,
    CompanyStatus,
    DishonestListing,
    Lawsuit,
)
from credit_domain.scoring.indicators import account_indicators, bureau_indicators, paydex
from credit_domain.scoring.models import FinancialStatement
from tests.credit_domain.scoring.helpers import TODAY, days, paid_invoice
from tests.factories import World


def test_paydex_follows_the_published_table() -> None:
    assert paydex(-45) == 100
    assert paydex(0) == 80
    assert paydex(15) == 70
    assert paydex(30) == 50
    assert paydex(Decimal("7.5")) == 75
    assert paydex(500) == 1


def test_payment_indicators_on_a_constructed_history(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        acc = w.account(w.customer("付款样本有限公司"), w.business_unit(), terms=30)
        paid_invoice(w, acc, 10000, issued=days(-100), paid=days(-60))  # 10 days late
        paid_invoice(w, acc, 30000, issued=days(-80), paid=days(-50))  # on the due date
        paid_invoice(w, acc, 20000, issued=days(-60), paid=None)  # due -30: 30 days past due
        paid_invoice(w, acc, 10000, issued=days(-10), paid=None)  # not due yet
        uow.commit()
    with any_domain.read() as s:
        v = account_indicators(s, TODAY, [acc.id], today=TODAY)[acc.id]
    # (10000·10 + 30000·0 + 20000·30) / (10000 + 30000 + 20000)
    assert v["days_beyond_terms"] == Decimal("11.67")  # exact: money × whole days
    assert v["paydex"] == Decimal("72.22")  # 80 − 10 × 11.67 / 15
    assert v["overdue_ratio"] == Decimal("0.6667")  # 20,000 / 30,000
    assert v["max_days_past_due"] == 30
    assert v["on_time_streak"] == 0  # the on-time invoice came before the last late one


def test_history_is_read_as_of_the_date(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        acc = w.account(w.customer("时点样本有限公司"), w.business_unit(), terms=30)
        paid_invoice(w, acc, 10000, issued=days(-100), paid=days(-40))  # due -70, paid +30
        uow.commit()
    with any_domain.read() as s:
        before = account_indicators(s, days(-50), [acc.id])[acc.id]
        after = account_indicators(s, TODAY, [acc.id])[acc.id]
    assert before["max_days_past_due"] == 20  # on day -50 it was 20 days past due, unpaid
    assert before["overdue_ratio"] == 1.0
    assert before["days_beyond_terms"] == 20
    assert after["overdue_ratio"] == 0.0 and after["max_days_past_due"] == 0
    assert after["days_beyond_terms"] == 30  # paid 30 days late, inside the 12 months


def test_on_time_streak_counts_since_the_last_late_invoice(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        acc = w.account(w.customer("连续样本有限公司"), w.business_unit(), terms=30)
        paid_invoice(w, acc, 1000, issued=days(-200), paid=days(-150))  # late
        for k in range(4):
            paid_invoice(w, acc, 1000, issued=days(-160 + 30 * k), paid=days(-135 + 30 * k))
        uow.commit()
    with any_domain.read() as s:
        v = account_indicators(s, TODAY, [acc.id])[acc.id]
    assert v["on_time_streak"] == 4
    assert v["days_beyond_terms"] == 0  # 20 days late once, 5 days early four times
    assert v["paydex"] == 80


def test_sales_relationship_and_utilisation(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        acc = w.account(w.customer("销售样本有限公司"), w.business_unit(), limit=100000)
        acc.opened_on = days(-730)
        paid_invoice(w, acc, 40000, issued=days(-300), paid=days(-260))
        paid_invoice(w, acc, 20000, issued=days(-250), paid=days(-220))
        paid_invoice(w, acc, 90000, issued=days(-100), paid=days(-70))
        w.invoice(acc, 30000, issued=days(-5))
        w.order(acc, 15000)
        uow.commit()
    with any_domain.read() as s:
        v = account_indicators(s, TODAY, [acc.id], today=TODAY)[acc.id]
        past = account_indicators(s, days(-90), [acc.id])[acc.id]
    assert v["avg_monthly_sales"] == Decimal("15000.00")  # 180000 / 12
    assert v["sales_trend"] == 1  # 120,000 / 60,000 − 1
    assert v["relationship_years"] == pytest.approx(730 / 365.25, abs=0.01)
    assert v["utilisation"] == Decimal("0.45")  # (30000 open + 15000 order) / 100000
    assert past["utilisation"] == Decimal("0.9")  # open receivables on day -90 / limit


def test_an_account_without_history_has_no_payment_values(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        acc = w.account(w.customer("新客户有限公司"), w.business_unit(), limit=0)
        uow.commit()
    with any_domain.read() as s:
        v = account_indicators(s, TODAY, [acc.id], today=TODAY)[acc.id]
    for name in ("paydex", "overdue_ratio", "on_time_streak", "relationship_years",
                 "utilisation", "avg_monthly_sales", "company_status", "altman_z"):
        assert name not in v, name


def test_altman_z_from_the_newest_statement(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        cust = w.customer("财报样本有限公司")
        acc = w.account(cust, w.business_unit())
        uow.session.add(FinancialStatement(
            customer_id=cust.id, period_end=days(-60), total_assets=Decimal(1000),
            current_assets=Decimal(500), current_liabilities=Decimal(300),
            total_liabilities=Decimal(400), retained_earnings=Decimal(200),
            ebit=Decimal(100), book_equity=Decimal(600), created_at=uow.now()))
        uow.commit()
    with any_domain.read() as s:
        v = account_indicators(s, TODAY, [acc.id])[acc.id]
        before = account_indicators(s, days(-61), [acc.id])[acc.id]
    # 6.56·0.2 + 3.26·0.2 + 6.72·0.1 + 1.05·1.5
    assert v["altman_z"] == Decimal("4.211")  # 1.312 + 0.652 + 0.672 + 1.575
    assert "altman_z" not in before


def test_bureau_indicators_count_what_was_known_on_the_date() -> None:
    report = BureauReport(
        "fake", "甲", None, CompanyStatus.REVOKED, "吊销", "张三", Decimal("5000000"),
        dt.date(2020, 3, 2),
        lawsuits=(Lawsuit("1", "c1", "买卖", "法院", days(-30), "defendant"),
                  Lawsuit("2", "c2", "买卖", "法院", days(-400), "defendant"),
                  Lawsuit("3", "c3", "买卖", "法院", days(-20), "plaintiff"),
                  Lawsuit("4", "c4", "买卖", "法院", days(10), "defendant")),
        dishonest=(DishonestListing("d", "x", "法院", days(-5), "全部未履行"),),
        abnormal_operations=(AbnormalOperation("a", "失联", days(-300), days(-100)),
                             AbnormalOperation("b", "失联", days(-50), None)))
    v = bureau_indicators(report, TODAY, None)
    assert v["lawsuits_12m"] == 1
    assert v["dishonest_listings"] == 1
    assert v["abnormal_operations"] == 1
    assert v["company_status"] == "revoked"
    assert v["registered_capital"] == 5_000_000
    assert v["years_established"] == pytest.approx(6.0, abs=0.01)
    earlier = bureau_indicators(report, days(-10), None)
    assert earlier["dishonest_listings"] == 0
    assert bureau_indicators(None, TODAY, dt.date(2016, 3, 2)) == {
        "years_established": pytest.approx(10.0, abs=0.01)}
