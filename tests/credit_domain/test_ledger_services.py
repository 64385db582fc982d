"""ERP records land in the ledger once: idempotent by number, amounts audited when they
change, payments applied oldest due first (or as the ERP says), open amounts consistent."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from credit_domain.accounts.exposure import Exposure, account_exposure
from credit_domain.accounts.models import CreditAccount
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.events import PaymentReceived
from credit_domain.ledger.models import Allocation, Invoice, Order, OrderStatus, Payment
from credit_domain.ledger.problems import RecordRejected
from tests.factories import World
from tests.integration_world import TODAY, count, make_shop, money, push


def invoices(domain: Domain) -> dict[str, tuple[Decimal, dt.date | None]]:
    with domain.read() as s:
        return {i.external_id: (i.open_amount, i.settled_on)
                for i in s.scalars(select(Invoice))}


def consistent(domain: Domain) -> None:
    """open_amount = amount − allocations; unapplied = amount − allocations, for every row."""
    with domain.read() as s:
        for inv in s.scalars(select(Invoice)):
            paid = s.scalar(select(func.coalesce(func.sum(Allocation.amount), 0)).where(
                Allocation.invoice_id == inv.id))
            assert inv.open_amount == inv.amount - money(paid or 0)
            assert (inv.settled_on is not None) == (inv.open_amount == 0)
        for p in s.scalars(select(Payment)):
            used = s.scalar(select(func.coalesce(func.sum(Allocation.amount), 0)).where(
                Allocation.payment_id == p.id))
            assert p.unapplied_amount == p.amount - money(used or 0)


def test_payment_applies_oldest_due_first_and_reports_days_late(domain: Domain) -> None:
    shop = make_shop(domain)
    push(domain, shop.bu_id, "invoice", external_id="I-2", amount="300", issue_date="2026-01-20",
         due_date="2026-02-19")
    push(domain, shop.bu_id, "invoice", external_id="I-1", amount="500", issue_date="2026-01-01",
         due_date="2026-01-31")
    seen = []
    domain.subscribers.append(lambda uow, e: seen.append(e))
    push(domain, shop.bu_id, "payment", external_id="P-1", amount="650",
         received_on="2026-02-05")
    assert invoices(domain) == {"I-1": (money(0), dt.date(2026, 2, 5)),
                                "I-2": (money(150), None)}
    assert [e.days_late for e in seen if isinstance(e, PaymentReceived)] == [(5,)]
    consistent(domain)


def test_resent_records_change_nothing_and_changed_amounts_are_audited(domain: Domain) -> None:
    shop = make_shop(domain)
    first = push(domain, shop.bu_id, "invoice", external_id="I-1", amount="1000",
                 issue_date="2026-02-01")
    again = push(domain, shop.bu_id, "invoice", external_id="I-1", amount="1,000.00",
                 issue_date="2026/2/1")
    assert (first.change, again.change, again.id) == ("created", "unchanged", first.id)
    push(domain, shop.bu_id, "payment", external_id="P-1", amount="400", received_on=TODAY)
    before = count(domain, AuditEvent)
    changed = push(domain, shop.bu_id, "invoice", external_id="I-1", amount="1200",
                   issue_date="2026-02-01")
    assert changed.change == "updated"
    assert invoices(domain)["I-1"] == (money(800), None)
    with domain.read() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "invoice.changed")).one()
    assert audit.before is not None and audit.after is not None
    assert '"amount":"1000.00"' in audit.before and '"amount":"1200.00"' in audit.after
    assert count(domain, AuditEvent) == before + 1
    assert count(domain, Invoice) == 1
    with pytest.raises(RecordRejected) as err:
        push(domain, shop.bu_id, "invoice", external_id="I-1", amount="300",
             issue_date="2026-02-01")
    assert err.value.problems[0].field == "amount"
    consistent(domain)


def test_payment_reallocated_when_the_erp_changes_it(domain: Domain) -> None:
    shop = make_shop(domain)
    for n, due in (("I-1", "2026-01-31"), ("I-2", "2026-02-28")):
        push(domain, shop.bu_id, "invoice", external_id=n, amount="500", issue_date="2026-01-01",
             due_date=due)
    push(domain, shop.bu_id, "payment", external_id="P-1", amount="500", received_on=TODAY)
    assert invoices(domain)["I-1"][0] == 0
    moved = push(domain, shop.bu_id, "payment", external_id="P-1", amount="600",
                 received_on=TODAY, allocations=[{"invoice_external_id": "I-2", "amount": "500"}])
    assert moved.change == "updated"
    assert invoices(domain) == {"I-1": (money(500), None), "I-2": (money(0), TODAY)}
    with domain.read() as s:
        assert s.scalars(select(Payment)).one().unapplied_amount == money(100)
    same = push(domain, shop.bu_id, "payment", external_id="P-1", amount="600",
                received_on=TODAY, allocations=[{"invoice_external_id": "I-2", "amount": "500"}])
    assert same.change == "unchanged"
    with pytest.raises(RecordRejected) as err:
        push(domain, shop.bu_id, "payment", external_id="P-2", amount="900", received_on=TODAY,
             allocations=[{"invoice_external_id": "I-1", "amount": "900"}])
    assert err.value.problems[0].field == "allocations[0].amount"
    assert "500" in str(err.value.problems[0].message)
    consistent(domain)


def test_credit_note_reduces_the_named_invoice(domain: Domain) -> None:
    shop = make_shop(domain)
    push(domain, shop.bu_id, "invoice", external_id="I-1", amount="500", issue_date="2026-01-01")
    push(domain, shop.bu_id, "invoice", external_id="I-2", amount="500", issue_date="2026-02-01")
    push(domain, shop.bu_id, "credit_note", external_id="CN-1", amount="200",
         issued_on=TODAY, invoice_external_id="I-2")
    push(domain, shop.bu_id, "credit_note", external_id="CN-1", amount="200",
         issued_on=TODAY, invoice_external_id="I-2")
    assert invoices(domain) == {"I-1": (money(500), None), "I-2": (money(300), None)}
    consistent(domain)


def test_order_delivery_invoice_move_exposure_between_categories(domain: Domain) -> None:
    shop = make_shop(domain)
    with domain.uow() as uow:
        account = uow.session.get_one(CreditAccount, shop.account_id)
        World(uow.session, uow.now()).order(account, "1000", external_id="SO-1")
        uow.commit()
    push(domain, shop.bu_id, "delivery", external_id="D-1", amount="600", shipped_on=TODAY,
         order_external_id="SO-1")
    e = _exposure(domain, shop.account_id)
    assert (e.open_orders, e.uninvoiced_deliveries, e.open_receivables) == (
        money(400), money(600), money(0))
    push(domain, shop.bu_id, "invoice", external_id="I-1", amount="1000", issue_date=TODAY,
         order_external_id="SO-1")
    e = _exposure(domain, shop.account_id)
    assert (e.open_orders, e.uninvoiced_deliveries, e.open_receivables) == (
        money(0), money(0), money(1000))
    with domain.read() as s:
        assert s.scalars(select(Order)).one().status == OrderStatus.COMPLETED
    with pytest.raises(RecordRejected) as err:
        push(domain, shop.bu_id, "delivery", external_id="D-2", amount="1", shipped_on=TODAY,
             order_external_id="SO-1")
    assert err.value.problems[0].field == "amount"


def test_unknown_customer_is_located(domain: Domain) -> None:
    shop = make_shop(domain)
    with pytest.raises(RecordRejected) as err:
        push(domain, shop.bu_id, "invoice", external_id="I-1", amount="5", issue_date=TODAY,
             customer_external_id="NOPE")
    assert err.value.problems[0].field == "customer_external_id"
    assert count(domain, Invoice) == 0


@pytest.mark.parametrize(("kind", "field"), [
    ("invoice", "issue_date"), ("payment", "received_on"), ("delivery", "shipped_on"),
    ("credit_note", "issued_on")])
def test_nothing_is_recorded_as_happening_in_the_future(domain: Domain, kind: str,
                                                        field: str) -> None:
    shop = make_shop(domain)
    day_after_tomorrow = TODAY + dt.timedelta(days=2)
    with pytest.raises(RecordRejected) as err:
        push(domain, shop.bu_id, kind, external_id="X-1", amount="5",
             customer_external_id="C1", **{field: day_after_tomorrow})
    [problem] = err.value.problems
    assert problem.field == field and "2026-03-04" in problem.message.render("zh_CN")
    assert count(domain, Invoice) + count(domain, Payment) == 0  # nothing was recorded
    push(domain, shop.bu_id, "invoice", external_id="I-1", amount="5", customer_external_id="C1",
         issue_date=TODAY + dt.timedelta(days=1))  # a day of slack for another time zone


def _exposure(domain: Domain, account_id: int) -> Exposure:
    with domain.read() as s:
        return account_exposure(s, account_id, TODAY)


def test_an_owner_may_be_named_as_the_export_writes_it(domain: Domain) -> None:
    shop = make_shop(domain)
    push(domain, shop.bu_id, "customer", external_id="C2", name="乙机电有限公司",
         owner="销售IND")  # the export's salesperson column: a name
    with domain.read() as s:
        account = s.scalars(select(CreditAccount).where(CreditAccount.external_id == "C2")).one()
        assert account.owner_id == shop.sales_id
    with domain.uow() as uow:
        World(uow.session, uow.now()).person("销售IND")  # a namesake without a role here
        uow.commit()
    push(domain, shop.bu_id, "customer", external_id="C3", name="丙机电有限公司",
         owner="销售IND")  # still one 销售IND in this business unit
    with pytest.raises(RecordRejected) as err:
        push(domain, shop.bu_id, "customer", external_id="C4", name="丁机电有限公司",
             owner="无名氏")
    assert err.value.problems[0].field == "owner"
