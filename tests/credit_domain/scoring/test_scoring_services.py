"""Scores are stored with inputs and explanation, applied to the account with an audit event
and a ScoreChanged event, recomputed on changed inputs, and not stored twice."""

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from credit_domain.accounts.models import CreditAccount
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.customer360.panels import indicator_text
from credit_domain.events import PaymentReceived, ScoreChanged
from credit_domain.policy.store import default_content
from credit_domain.scoring.models import CreditScore
from credit_domain.scoring.services import latest_score, recompute_all
from tests.credit_domain.scoring.helpers import days, paid_invoice
from tests.factories import World


def build(domain: Domain) -> tuple[int, int]:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit()
        good = w.account(w.customer("准时付款有限公司"), bu, limit=200000, grade=None)
        late = w.account(w.customer("拖欠付款有限公司"), bu, limit=200000, grade=None)
        for k in range(10):
            paid_invoice(w, good, 20000, issued=days(-330 + 30 * k), paid=days(-300 + 30 * k))
            paid_invoice(w, late, 20000, issued=days(-330 + 30 * k),
                         paid=days(-300 + 30 * k + 75) if k < 6 else None)
        uow.commit()
    return good.id, late.id


def test_recompute_stores_explains_and_applies_scores(any_domain: Domain) -> None:
    seen: list[Any] = []
    any_domain.subscribers.append(lambda uow, e: seen.append(e))
    good, late = build(any_domain)
    result = recompute_all(any_domain)
    assert (result.computed, result.changed, result.failures) == (2, 2, [])
    with any_domain.read() as s:
        rows = {r.account_id: r for r in s.scalars(select(CreditScore))}
        accounts = {a.id: a for a in s.scalars(select(CreditAccount))}
        audits = s.scalars(select(AuditEvent).where(AuditEvent.action == "score.changed")).all()
    assert rows[good].score > rows[late].score
    for aid, row in rows.items():
        contributions = row.explanation["contributions"]
        assert sum(Decimal(c["contribution"]) for c in contributions) == Decimal(str(row.score))
        assert row.inputs["payment_terms_days"] == 30 and "paydex" in row.inputs
        assert row.policy_version == 0 and row.trigger == "nightly"
        assert accounts[aid].score == row.score and accounts[aid].grade == row.grade
    assert rows[late].inputs["max_days_past_due"] > 90
    assert rows[late].grade in ("CCC", "C", "D")  # at most CCC: an invoice 90+ days past due
    assert len(audits) == 2
    changed = [e for e in seen if isinstance(e, ScoreChanged)]
    assert {e.account_id for e in changed} == {good, late}
    assert all(e.old_grade is None and e.new_grade for e in changed)

    again = recompute_all(any_domain)
    assert again.changed == 0  # same answer: nothing stored, nothing audited


def test_a_payment_rescores_in_the_same_transaction(any_domain: Domain) -> None:
    _good, late = build(any_domain)
    recompute_all(any_domain)
    with any_domain.read() as s:
        before = latest_score(s, late)
    assert before is not None
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        acc = uow.session.get(CreditAccount, late)
        assert acc is not None
        from credit_domain.ledger.models import Invoice

        for inv in uow.session.scalars(select(Invoice).where(Invoice.account_id == late,
                                                             Invoice.open_amount > 0)):
            p = w.payment(acc, inv.open_amount, on=days(0), invoice=inv)
            uow.publish(PaymentReceived(business_unit_id=acc.business_unit_id,
                                        account_id=late, payment_id=p.id, amount=p.amount,
                                        received_on=days(0)))
        uow.commit()
    with any_domain.read() as s:
        after = latest_score(s, late)
        account = s.get(CreditAccount, late)
    assert after is not None and after.trigger == "payment_received"
    assert after.score > before.score
    assert account is not None and account.score == after.score


def test_a_new_scorecard_version_is_recorded(any_domain: Domain) -> None:
    good, _late = build(any_domain)
    recompute_all(any_domain)
    with any_domain.read() as s:
        bu = s.scalar(select(CreditAccount.business_unit_id).where(CreditAccount.id == good))
    content = default_content("scorecard").replace("weight: 35\n", "weight: 70\n")
    with any_domain.uow() as uow:
        assert bu is not None
        any_domain.policies.install(uow, bu, "scorecard", content, source="test")
        uow.commit()
    result = recompute_all(any_domain)
    assert result.changed == 2
    with any_domain.read() as s:
        row = latest_score(s, good)
    assert row is not None and row.policy_version == 1


def test_one_failing_account_does_not_stop_the_nightly_run(
        domain: Domain, monkeypatch: Any) -> None:
    from credit_domain.scoring import indicators, services

    good, late = build(domain)
    real = indicators.account_indicators  # what services imported

    def broken(session: Any, on: Any, ids: Any, **kw: Any) -> Any:
        if ids and late in ids:
            raise RuntimeError("corrupt ledger row")
        return real(session, on, ids, **kw)

    monkeypatch.setattr(services, "account_indicators", broken)
    result = recompute_all(domain)
    assert result.computed == 1 and result.changed == 1
    assert result.failures == [(late, "RuntimeError: corrupt ledger row")]
    with domain.read() as s:
        assert latest_score(s, good) is not None and latest_score(s, late) is None



def test_the_360_score_reasons_show_values_as_people_read_them() -> None:
    """Indicator values are exact Decimals (a ratio to four places), stored with the score as
    strings; the customer page shows numbers to two places, older float values likewise."""
    assert [indicator_text(v) for v in ("0.6667", Decimal("1234.5"), "72.22", 0.45, 35,
                                        "active", None)] == [
        "0.67", "1,234.5", "72.22", "0.45", "35", "active", "—"]
