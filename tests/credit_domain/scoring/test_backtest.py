"""The backtest: AUC and KS on hand-computed cases and on a generated history whose answer
is known in advance."""

import datetime as dt

import pytest

from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain
from credit_domain.errors import InvalidInput
from credit_domain.scoring.backtest import auc, backtest, ks
from tests.credit_domain.scoring.helpers import TODAY, days, paid_invoice
from tests.factories import World

SINCE = days(-200)


def test_auc_and_ks_by_hand() -> None:
    # pairs (good > bad): 3>1, 3>2, 4>1, 4>2, 4=4 (½), 5>1, 5>2, 5>4 → 7.5 of 9
    assert auc([3, 4, 5], [1, 2, 4]) == pytest.approx(7.5 / 9)
    statistic, at_score = ks([3, 4, 5], [1, 2, 4])
    assert statistic == pytest.approx(2 / 3) and at_score == 2
    assert auc([1, 2], [3, 4]) == 0.0
    assert auc([1], []) is None


def _history(w: World, acc: CreditAccount, *, late_before: bool, bad_after: bool) -> None:
    """Monthly invoices for 11 months before SINCE (paid on time, or 60 days late), then
    monthly after SINCE, paid on time — except one left unpaid when ``bad_after``."""
    for k in range(11):
        issued = SINCE - dt.timedelta(days=330 - 30 * k)
        due = issued + dt.timedelta(days=30)
        paid = due + dt.timedelta(days=60 if late_before else 0)
        paid_invoice(w, acc, 10000, issued=issued, paid=paid)
    for k in range(5):
        issued = SINCE + dt.timedelta(days=10 + 30 * k)
        settled = None if (bad_after and k == 0) else issued + dt.timedelta(days=30)
        paid_invoice(w, acc, 10000, issued=issued, paid=settled if settled and settled <= TODAY
                     else None)


def test_backtest_on_a_generated_history_with_a_known_answer(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit()

        def account(name: str) -> CreditAccount:
            acc = w.account(w.customer(name), bu, limit=100000)
            acc.opened_on = days(-600)
            return acc

        for i in range(10):
            _history(w, account(f"守信{i}有限公司"), late_before=False, bad_after=False)
        for i in range(9):
            _history(w, account(f"拖欠{i}有限公司"), late_before=True, bad_after=True)
        # Looks exactly like the good ones on SINCE, then goes 90+ days overdue.
        _history(w, account("突变有限公司"), late_before=False, bad_after=True)
        # Already 90+ days overdue on SINCE: a known bad, left out.
        known = account("早已逾期有限公司")
        paid_invoice(w, known, 5000, issued=SINCE - dt.timedelta(days=150),
                     paid=None)
        uow.commit()
    r = backtest(any_domain, since=SINCE, until=TODAY)
    assert (r.goods, r.bads, r.excluded) == (10, 10, 1)
    # 9 bads score below every good; the look-alike ties with all 10 goods: (90 + 5) / 100
    assert r.auc == pytest.approx(0.95)
    # at the look-alike bads' score: 90 % of bads, 0 % of goods at or below it
    assert r.ks == pytest.approx(0.9)
    grades = {g: (n, bad) for g, n, bad in r.by_grade}
    assert sum(n for n, _ in grades.values()) == 20 and sum(b for _, b in grades.values()) == 10


def test_backtest_refuses_a_start_after_its_end(any_domain: Domain) -> None:
    with pytest.raises(InvalidInput):
        backtest(any_domain, since=TODAY, until=SINCE)
    with pytest.raises(InvalidInput):
        backtest(any_domain, since=SINCE, outcome="default")
