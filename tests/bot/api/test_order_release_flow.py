"""A blocked order, end to end: the ERP's check opens an order-release application, the
approvers the policy names approve it, the order is released once and counts as exposure,
and the ERP may then ship it."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.web.app import create_app
from credit_domain.access import load_actor
from credit_domain.accounts.exposure import account_exposure
from credit_domain.apikeys.services import create_key
from credit_domain.applications import (
    AlreadyDecided,
    Application,
    approve,
    pending_for,
    reject,
)
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.outbox.models import OutboxMessage
from credit_domain.policy.store import default_content
from credit_domain.unit_of_work import ActorRef
from tests.integration_world import TODAY, Shop, make_shop, money


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}


def approve_as(domain: Domain, person_id: int, application_id: int) -> Application:
    with domain.read() as s:
        actor = load_actor(s, person_id)
    with domain.uow(actor) as uow:
        app = approve(uow, actor, application_id, comment="客户回款稳定，同意放行")
        uow.commit()
    return app


def released_audits(domain: Domain) -> int:
    with domain.read() as s:
        return len(s.scalars(select(AuditEvent).where(
            AuditEvent.action == "order.released")).all())


@pytest.fixture
def erp(make_runtime: Any) -> tuple[Domain, TestClient, Shop, str]:
    rt = make_runtime()
    shop = make_shop(rt.domain, limit="100000")
    with rt.domain.uow(ActorRef.system("test")) as uow:
        key = create_key(uow, "SAP", business_unit_codes=["IND"],
                         scopes=["orders:check", "erp:read"])[1]
        uow.commit()
    return rt.domain, TestClient(create_app(rt)), shop, key


def test_a_blocked_order_is_released_by_its_approvers_and_counts_once(erp: Any) -> None:
    domain, client, shop, key = erp
    body = {"business_unit": "IND", "customer_external_id": "C1", "external_id": "SO-9",
            "amount": "150000"}
    answer = client.post("/api/v1/orders/check", json=body, headers=auth(key)).json()
    assert answer["decision"] == "block" and answer["reasons"][0]["code"] == "over_limit"
    assert answer["release_application"] == {"status": "opened", "reference": "APP-2026-000001"}
    assert answer["order_status"] == "blocked"

    with domain.read() as s:
        app = s.scalars(select(Application)).one()
        first = pending_for(s, shop.manager_id)
    assert (app.kind, app.status, app.requested_amount) == ("order_release", "pending",
                                                            money(150000))
    assert app.origin == "rule:order-check"
    assert "SO-9" in app.reason and "超出可用额度" in app.reason
    assert [p.application.number for p in first] == ["APP-2026-000001"]  # the sales manager
    with domain.read() as s:
        told = s.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "application.submitted")).all()
    assert shop.sales_id in {m.person_id for m in told}  # the owner hears it was opened

    approve_as(domain, shop.manager_id, app.id)
    assert client.get("/api/v1/orders/SO-9", params={"business_unit": "IND"},
                      headers=auth(key)).json()["status"] == "blocked"  # finance still to go
    done = approve_as(domain, shop.finance_id, app.id)
    assert done.status == "approved"
    order = client.get("/api/v1/orders/SO-9", params={"business_unit": "IND"},
                       headers=auth(key)).json()
    assert order["status"] == "released" and order["open_amount"] == "150000.00"
    with domain.read() as s:
        e = account_exposure(s, shop.account_id, TODAY)
    assert e.open_orders == money(150000) and e.available == money(-50000)
    assert released_audits(domain) == 1

    # A double tap, a re-sent check: nothing moves twice.
    with pytest.raises(AlreadyDecided):
        approve_as(domain, shop.finance_id, app.id)
    # The ERP that asks again hears the same answer and that the order is now released.
    again = client.post("/api/v1/orders/check", json=body, headers=auth(key)).json()
    assert again["repeated"] is True and again["release_application"]["reference"] == (
        "APP-2026-000001")
    assert (again["decision"], again["order_status"]) == ("block", "released")
    with domain.read() as s:
        assert account_exposure(s, shop.account_id, TODAY).open_orders == money(150000)
        assert len(s.scalars(select(Application)).all()) == 1
    assert released_audits(domain) == 1

    shipped = client.post("/api/v1/orders/SO-9/ship", headers=auth(key), json={
        "business_unit": "IND", "delivery_external_id": "DN-9", "shipped_on": "2026-03-02"})
    assert shipped.status_code == 200, shipped.text
    with domain.read() as s:
        e = account_exposure(s, shop.account_id, TODAY)
    assert (e.open_orders, e.uninvoiced_deliveries) == (money(0), money(150000))


SMALL_RELEASES = """
  - name: release-small-orders
    when: application_submitted
    if: kind == "order_release" && amount < 200000
    then:
      - approve_application:
          reason: {zh_CN: 小额订单自动放行, en: Small orders are released at once}
"""


def test_a_release_a_rule_approves_at_once_shows_in_the_first_answer(erp: Any) -> None:
    domain, client, shop, key = erp
    with domain.uow(ActorRef.system("test")) as uow:
        domain.policies.install(uow, shop.bu_id, "rules", default_content("rules").rstrip()
                                + "\n" + SMALL_RELEASES, source="test")
        uow.commit()
    answer = client.post("/api/v1/orders/check", headers=auth(key), json={
        "business_unit": "IND", "customer_external_id": "C1", "external_id": "SO-8",
        "amount": "150000"}).json()
    # Blocked, its release application opened and approved by the rule in the same commit:
    # the ERP hears at once that the order may go ahead.
    assert (answer["decision"], answer["release_application"]["status"],
            answer["order_status"]) == ("block", "opened", "released")
    with domain.read() as s:
        assert s.scalars(select(Application)).one().status == "approved"
        assert account_exposure(s, shop.account_id, TODAY).open_orders == money(150000)
    assert released_audits(domain) == 1


def test_a_rejected_release_leaves_the_order_blocked(erp: Any) -> None:
    domain, client, shop, key = erp
    client.post("/api/v1/orders/check", headers=auth(key), json={
        "business_unit": "IND", "customer_external_id": "C1", "external_id": "SO-7",
        "amount": "150000"})
    with domain.read() as s:
        app = s.scalars(select(Application)).one()
        manager = load_actor(s, shop.manager_id)
    with domain.uow(manager) as uow:
        reject(uow, manager, app.id, "超额过多，先回款")
        uow.commit()
    order = client.get("/api/v1/orders/SO-7", params={"business_unit": "IND"},
                       headers=auth(key)).json()
    assert order["status"] == "blocked" and released_audits(domain) == 0
    with domain.read() as s:
        assert account_exposure(s, shop.account_id, TODAY).open_orders == money(0)
