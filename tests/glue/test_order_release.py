"""On both databases: a blocked order's release application, approved, releases the order
exactly once and its amount becomes exposure; the order check answers with its number."""

import pytest
from sqlalchemy import func, select

from credit_domain.access import load_actor
from credit_domain.accounts.exposure import account_exposure
from credit_domain.applications import AlreadyDecided, Application, approve
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.ledger.models import Order, OrderStatus
from tests.credit_domain.test_order_check import check
from tests.integration_world import TODAY, make_shop, money


def test_the_release_application_releases_its_order_once(any_domain: Domain) -> None:
    domain = any_domain
    shop = make_shop(domain, limit="100000")
    answer = check(domain, shop.bu_id, "SO-1", "120000")
    assert (answer.passed, answer.release_status) == (False, "opened")
    with domain.read() as s:
        app = s.scalars(select(Application).where(
            Application.number == answer.release_reference)).one()
    assert (app.kind, app.order_id, app.requested_amount) == ("order_release", answer.order_id,
                                                              money(120000))
    for person in (shop.manager_id, shop.finance_id):
        with domain.read() as s:
            actor = load_actor(s, person)
        with domain.uow(actor) as uow:
            approve(uow, actor, app.id)
            uow.commit()
    with pytest.raises(AlreadyDecided), domain.uow(actor) as uow:
        approve(uow, actor, app.id)
    with domain.read() as s:
        order = s.get(Order, answer.order_id)
        assert order is not None and order.status == OrderStatus.RELEASED
        assert order.block_reason is None
        released = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "order.released"))
        e = account_exposure(s, shop.account_id, TODAY)
    assert released == 1
    assert (e.open_orders, e.available) == (money(120000), money(-20000))
    again = check(domain, shop.bu_id, "SO-1", "120000")
    assert again.repeated and again.release_reference == answer.release_reference
