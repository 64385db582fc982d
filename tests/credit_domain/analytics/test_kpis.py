"""Every KPI against figures computed by hand on the constructed book (tests/analytics_book),
on SQLite and PostgreSQL.

Worked example, account A (limit 100,000 + temporary 20,000; terms 30 days), as of
2026-03-02 over 3 months: the period is (2025-12-02, 2026-03-02], 90 days.

    invoice  issued      due         amount   paid (on)              open on 03-02
    inv0     2025-10-01  2025-10-31   5,000    5,000 (2025-11-05)          0
    inv1     2025-11-10  2025-12-10  30,000   10,000 (2025-12-20)     20,000  82 days past due
    inv2     2025-12-15  2026-01-14  40,000   40,000 (2026-01-20)          0
    inv3     2026-01-10  2026-02-09  20,000                           20,000  21 days past due
    inv4     2026-02-10  2026-03-12  30,000                           30,000  current
    inv5     2026-02-25  2026-03-27  10,000    4,000 (2026-03-01)      6,000  current

    AR_begin (on 2025-12-02) = inv1 30,000 (inv0 was paid in November)          = 30,000
    sales S (issued in the period) = 40,000 + 20,000 + 30,000 + 10,000          = 100,000
    AR_end = 20,000 + 20,000 + 30,000 + 6,000 = 76,000; AR_current = 36,000; overdue 40,000
    DSO = 76,000 / 100,000 × 90 = 68.4; best possible = 36,000 / 100,000 × 90 = 32.4;
    ADD = 68.4 − 32.4 = 36.0
    CEI = (30,000 + 100,000 − 76,000) / (30,000 + 100,000 − 36,000) = 54,000 / 94,000 = 57.4 %
    Count-back: month 1 (02-02, 03-02] 28 days, sales 40,000; month 2 (01-02, 02-02] 31 days,
    20,000; month 3 (12-02, 01-02] 31 days, 40,000.  76,000 − 40,000 = 36,000 → 28 days;
    36,000 − 20,000 = 16,000 → 59 days; 16,000 / 40,000 × 31 = 12.4 → 71.4 days.
    Exposure = 76,000 + order 5,000 + delivery 2,000 = 83,000 of 120,000: 69.17 %, available 37,000.
"""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, load_actor
from credit_domain.accounts.exposure import exposures
from credit_domain.analytics import services
from credit_domain.analytics.extensions import FigureContext, figures
from credit_domain.analytics.facts import Period, account_facts, totals_columns
from credit_domain.analytics.report import ExtraFigure, KpiReport
from credit_domain.analytics.scope import Scope, resolve
from credit_domain.analytics.services import KpiQuery, run_kpis
from credit_domain.analytics.tables import report_tables
from credit_domain.bootstrap import Domain
from credit_domain.errors import Forbidden, InvalidInput, NotFound
from credit_domain.i18n import Text
from tests.analytics_book import TODAY, build_book

M = Decimal


def kpis(domain: Domain, scope: str = "", *, as_of: dt.date | None = None, months: int = 3,
         person: int | None = None) -> KpiReport:
    if person is None:
        actor = Actor.system()
    else:
        with domain.read() as s:
            actor = load_actor(s, person)
    return run_kpis(domain, actor, KpiQuery(scope, as_of, months))


def test_worked_example_account_a(any_domain: Domain) -> None:
    book = build_book(any_domain)
    r = kpis(any_domain, f"bu:IND,customer:{book.customer_a}")
    t, c = r.totals, r.collection
    assert (r.as_of, r.period_start, r.period_days, r.current) == (
        TODAY, dt.date(2025, 12, 2), 90, True)
    assert (t.accounts, t.limit, t.exposure, t.available) == (1, M("120000.00"),
                                                              M("83000.00"), M("37000.00"))
    assert t.aging() == (("current", M("36000.00")), ("b1", M("20000.00")),
                         ("b2", M("0.00")), ("b3", M("20000.00")), ("b4", M("0.00")))
    assert (t.receivables, t.overdue, t.begin_ar, t.sales) == (
        M("76000.00"), M("40000.00"), M("30000.00"), M("100000.00"))
    assert (c.dso, c.best_possible_dso, c.average_days_delinquent) == (
        M("68.4"), M("32.4"), M("36.0"))
    assert (c.countback_dso, c.countback_complete) == (M("71.4"), True)
    assert c.cei == M("57.4")
    assert t.utilisation == M("0.6917")
    assert t.overdue_ratio == M("0.5263")  # 40,000 / 76,000
    assert r.level == "customer" and r.drill_level is None
    [row] = r.overdue
    assert (row.days_past_due, row.oldest_due, row.overdue) == (82, dt.date(2025, 12, 10),
                                                                M("40000.00"))


def test_aging_and_cei_as_of_a_past_date_read_the_allocation_history(
        any_domain: Domain) -> None:
    book = build_book(any_domain)
    # On 2026-01-31: inv1 has 20,000 open (52 days past due), inv2 was paid on 01-20, inv3 is
    # not due; the order, the delivery and the temporary limit came later.
    r = kpis(any_domain, f"bu:IND,customer:{book.customer_a}", as_of=dt.date(2026, 1, 31),
             months=1)
    t, c = r.totals, r.collection
    assert not r.current and r.period_start == dt.date(2025, 12, 31)
    assert t.aging() == (("current", M("20000.00")), ("b1", M("0.00")),
                         ("b2", M("20000.00")), ("b3", M("0.00")), ("b4", M("0.00")))
    assert (t.limit, t.exposure) == (M("100000.00"), M("40000.00"))
    # AR_begin on 12-31: inv1 20,000 + inv2 40,000; sales inv3 20,000; AR_end 40,000.
    assert (t.begin_ar, t.sales) == (M("60000.00"), M("20000.00"))
    assert c.cei == M("66.7")  # (60,000 + 20,000 − 40,000) / (60,000 + 20,000 − 20,000)
    assert c.dso == M("62.0")  # 40,000 / 20,000 × 31


def test_business_unit_figures(any_domain: Domain) -> None:
    build_book(any_domain)
    r = kpis(any_domain, "bu:IND")
    t, c = r.totals, r.collection
    assert (t.accounts, t.limit, t.exposure, t.available) == (
        4, M("450000.00"), M("318000.00"), M("132000.00"))
    assert t.aging() == (("current", M("186000.00")), ("b1", M("20000.00")),
                         ("b2", M("0.00")), ("b3", M("20000.00")), ("b4", M("15000.00")))
    assert (t.overdue, t.overdue_accounts, t.on_hold) == (M("55000.00"), 2, 1)
    # AR_begin 45,000 (A 30,000 + B 15,000), S 250,000, AR_end 241,000, current 186,000.
    assert c.cei == M("49.5")  # 54,000 / 109,000
    assert (c.dso, c.best_possible_dso, c.average_days_delinquent) == (
        M("86.8"), M("67.0"), M("19.8"))
    # Count-back: 241,000 − 190,000 (28 days) − 20,000 (31) = 31,000; 31,000/40,000 × 31.
    assert c.countback_dso == M("83.0")
    assert [(b.band, b.accounts) for b in r.utilisation] == [
        ("lt50", 2), ("50to80", 1), ("80to100", 0), ("over100", 1), ("no_limit", 0)]
    assert [(g.grade, g.accounts, g.exposure) for g in r.grades] == [
        ("AA", 1, M("220000.00")), ("A", 1, M("83000.00")), ("B", 1, M("15000.00")),
        (None, 1, M("0.00"))]
    assert [(h.customer, h.days_past_due) for h in r.on_hold] == [("乙贸易有限公司", 122)]
    assert [a.customer for a in r.top_exposure] == ["丙电子科技有限公司", "甲精密机械有限公司",
                                                    "乙贸易有限公司"]
    assert [a.customer for a in r.overdue] == ["甲精密机械有限公司", "乙贸易有限公司"]
    assert [a.customer for a in r.oldest_debts] == ["乙贸易有限公司", "甲精密机械有限公司"]


def test_drill_down_and_quality_by_team_and_region(any_domain: Domain) -> None:
    build_book(any_domain)
    r = kpis(any_domain, "bu:IND")
    assert r.drill_level == "region"
    assert [(g.scope, g.totals.exposure) for g in r.drill] == [
        ("bu:IND,region:EAST", M("318000.00")), ("bu:IND,region:SOUTH", M("0.00"))]
    teams = {g.scope: g.totals for g in r.by_team}
    assert set(teams) == {"bu:IND,team:T1", "bu:IND,team:T2", "bu:IND,team:T3"}
    t1 = teams["bu:IND,team:T1"]
    assert (t1.receivables, t1.overdue, t1.overdue_ratio, t1.cei) == (
        M("91000.00"), M("55000.00"), M("0.6044"), M("49.5"))
    assert (teams["bu:IND,team:T2"].overdue_ratio, teams["bu:IND,team:T2"].cei) == (
        M("0.0000"), None)
    assert teams["bu:IND,team:T3"].overdue_ratio is None
    regions = {g.scope: g.totals.overdue for g in r.by_region}
    assert regions == {"bu:IND,region:EAST": M("55000.00"), "bu:IND,region:SOUTH": M("0.00")}
    team = kpis(any_domain, "bu:IND,region:EAST,team:T1")
    assert team.drill_level == "salesperson" and [g.name for g in team.drill] == ["王芳"]
    person = kpis(any_domain, team.drill[0].scope or "")
    assert person.drill_level == "customer"
    assert [g.name for g in person.drill] == ["甲精密机械有限公司", "乙贸易有限公司"]


def test_scope_isolation(any_domain: Domain) -> None:
    book = build_book(any_domain)
    manager = kpis(any_domain, person=book.manager_1)
    assert (manager.totals.accounts, manager.totals.exposure) == (2, M("98000.00"))
    assert {g.scope for g in manager.by_team} == {"bu:IND,team:T1"}
    assert all(a.team == "T1" for a in manager.top_exposure)
    # Another team's scope shows nothing of it to this manager.
    other = kpis(any_domain, "bu:IND,team:T2", person=book.manager_1)
    assert (other.totals.accounts, other.totals.exposure, other.top_exposure) == (
        0, M("0.00"), ())
    with pytest.raises(Forbidden):
        kpis(any_domain, "bu:CON", person=book.manager_1)
    finance = kpis(any_domain, person=book.finance)
    assert (finance.totals.accounts, finance.totals.receivables) == (4, M("241000.00"))
    assert finance.drill_level == "region"  # one business unit: straight to its regions
    assert all(a.business_unit == "IND" for a in finance.overdue)
    seller = kpis(any_domain, person=book.salesperson_2)
    assert [a.customer for a in seller.top_exposure] == ["丙电子科技有限公司"]
    con = kpis(any_domain, person=book.con_sales)
    assert (con.totals.accounts, con.totals.receivables) == (1, M("500000.00"))
    assert kpis(any_domain, person=book.outsider).totals.accounts == 0
    everything = kpis(any_domain)
    assert everything.totals.receivables == M("741000.00")
    assert [g.scope for g in everything.drill] == ["bu:CON", "bu:IND"]  # by exposure


def test_todays_balances_agree_with_the_allocation_history_and_exposure(
        any_domain: Domain) -> None:
    build_book(any_domain)
    with any_domain.read() as s:
        where = resolve(s, Actor.system(), Scope()).where
        end = dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)
        rows = []
        for current in (True, False):
            facts = account_facts(Period(TODAY, dt.date(2025, 12, 2), current, end), where)
            rows.append(s.execute(
                select(*totals_columns(facts))).mappings().one())
        book_exposure = sum(e.exposure for e in exposures(s, TODAY))
    assert dict(rows[0]) == dict(rows[1])
    assert rows[0]["exposure"] == book_exposure == M("818000.00")


def test_bad_queries_are_refused_clearly(any_domain: Domain) -> None:
    build_book(any_domain)
    with pytest.raises(InvalidInput):
        kpis(any_domain, as_of=TODAY + dt.timedelta(days=1))
    with pytest.raises(InvalidInput):
        kpis(any_domain, months=0)
    with pytest.raises(InvalidInput, match="too early"):
        kpis(any_domain, as_of=dt.date(1, 1, 1))  # a typo, not a crash
    with pytest.raises(InvalidInput):
        kpis(any_domain, "bu:IND,sales:abc")
    with pytest.raises(InvalidInput):
        kpis(any_domain, "bu:IND,sales:99999999999999999999999")  # beyond any database id
    with pytest.raises(InvalidInput):
        kpis(any_domain, "region:EAST")  # EAST exists in both business units
    with pytest.raises(NotFound):
        kpis(any_domain, "bu:NOPE")
    assert str(Scope.parse(" ind , team:t1 ")) == "bu:IND,team:T1"


def test_pending_applications_wait_for_their_extension(any_domain: Domain) -> None:
    build_book(any_domain)
    figures(any_domain).pop("pending_applications")  # as if the workflow were not installed
    assert kpis(any_domain).unavailable == ("pending_applications",)

    def pending(session: Session, ctx: FigureContext) -> list[ExtraFigure]:
        assert ctx.as_of == TODAY
        return [ExtraFigure("pending_applications", Text("Pending applications"), 3)]

    figures(any_domain)["pending_applications"] = pending
    r = kpis(any_domain)
    assert r.unavailable == () and [(x.key, x.value) for x in r.extras] == [
        ("pending_applications", 3)]


def test_a_list_cut_at_the_top_says_how_many_it_leaves_out(
        domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    build_book(domain)
    monkeypatch.setattr(services, "TOP", 1)
    report = kpis(domain, "bu:IND")
    overdue = next(t for t in report_tables(report) if t.key == "overdue")
    total = report.totals.overdue_accounts
    assert total > 1 and len(overdue.rows) == 1
    assert overdue.title.render("en") == f"Overdue customers (the first 1 of {total})"
    assert overdue.title.render("zh_CN") == f"逾期客户（共 {total} 个，显示前 1 个）"
