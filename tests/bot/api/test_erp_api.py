
"""The ERP API end to end through the real ASGI app: order checks, pushes with located
errors in the caller's language, lifecycle calls, and API keys scoped to business units."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.web.app import create_app
from credit_domain.access import Actor
from credit_domain.accounts.holds import place_hold
from credit_domain.apikeys.services import create_key
from credit_domain.ledger.models import Invoice
from credit_domain.unit_of_work import ActorRef
from tests.integration_world import Shop, count, make_shop


@pytest.fixture
def api(make_runtime: Any) -> tuple[Any, TestClient, Shop, Shop, dict[str, str]]:
    rt = make_runtime()
    ind = make_shop(rt.domain, code="IND", limit="100000")
    con = make_shop(rt.domain, code="CON", limit="50000", name="西南建材有限公司", n=2)
    keys = {}
    with rt.domain.uow(ActorRef.system("test")) as uow:
        for name, units, scopes in (("ind", ["IND"], ["orders:check", "erp:write", "erp:read"]),
                                    ("con", ["CON"], ["orders:check", "erp:write", "erp:read"]),
                                    ("ro", ["IND"], ["erp:read"])):
            keys[name] = create_key(uow, name, business_unit_codes=units, scopes=scopes)[1]
        uow.commit()
    return rt, TestClient(create_app(rt)), ind, con, keys


def auth(token: str, lang: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": lang}


def test_order_check_answers_pass_then_block_with_reasons(api: Any) -> None:
    _rt, client, ind, _con, keys = api
    body = {"business_unit": "IND", "customer_uscc": ind.uscc, "external_id": "SO-1",
            "amount": "60,000"}
    ok = client.post("/api/v1/orders/check", json=body, headers=auth(keys["ind"]))
    assert ok.status_code == 200, ok.text
    assert ok.json()["decision"] == "pass" and ok.json()["available_after"] == "40000.00"
    assert ok.json()["order_status"] == "reserved"
    blocked = client.post("/api/v1/orders/check", headers=auth(keys["ind"], "zh-CN"), json={
        "business_unit": "IND", "customer_external_id": "C1", "external_id": "SO-2",
        "amount": 50000})
    answer = blocked.json()
    assert answer["decision"] == "block" and answer["repeated"] is False
    assert answer["reasons"] == [{"code": "over_limit",
                                  "message": "订单超出可用额度 ¥1万（可用额度 ¥4万）。",
                                  "details": {"shortfall": "10000.00", "available": "40000.00"}}]
    assert answer["release_application"] == {"status": "opened", "reference": "APP-2026-000001"}
    again = client.post("/api/v1/orders/check", headers=auth(keys["ind"]), json={
        "business_unit": "IND", "customer_external_id": "C1", "external_id": "SO-2",
        "amount": "50000.00"})
    assert again.json()["repeated"] is True and again.json()["decision"] == "block"
    read = client.get("/api/v1/orders/SO-2", params={"business_unit": "IND"},
                      headers=auth(keys["ind"]))
    assert read.json()["status"] == "blocked" and read.json()["check"]["decision"] == "block"
    # A cancelled order still shows the check it had, and that it is cancelled now.
    assert client.post("/api/v1/orders/SO-1/cancel", json={"business_unit": "IND"},
                       headers=auth(keys["ind"])).status_code == 200
    read = client.get("/api/v1/orders/SO-1", params={"business_unit": "IND"},
                      headers=auth(keys["ind"])).json()
    assert (read["status"], read["check"]["decision"], read["check"]["order_status"]) == (
        "cancelled", "pass", "cancelled")


def test_a_rejected_record_says_which_field_and_why_and_changes_nothing(api: Any) -> None:
    rt, client, _ind, _con, keys = api
    records = [
        {"external_id": "I-1", "customer_external_id": "C1", "amount": "1000",
         "issue_date": "2026-03-01"},
        {"external_id": "I-2", "customer_external_id": "C1", "amount": "-5",
         "issue_date": "2026-03-01", "due_date": "2026-02-01"},
        {"external_id": "I-3", "customer_external_id": "NOBODY", "amount": "5",
         "issue_date": "2026-03-01"},
    ]
    r = client.post("/api/v1/invoices", json={"business_unit": "IND", "records": records},
                    headers=auth(keys["ind"], "zh-CN"))
    assert r.status_code == 422
    fields = {d["field"]: d["msg"] for d in r.json()["detail"]}
    assert fields == {"body.records[1].amount": "金额必须为正数：-5",
                      "body.records[1].due_date": "到期日早于开票日。"}
    records[1]["amount"] = "500"
    records[1]["due_date"] = "2026-04-01"
    r = client.post("/api/v1/invoices", json={"business_unit": "IND", "records": records},
                    headers=auth(keys["ind"]))
    assert r.status_code == 422
    assert r.json()["detail"] == [{
        "loc": ["body", "records", 2, "customer_external_id"],
        "field": "body.records[2].customer_external_id",
        "msg": "No customer NOBODY has a credit account in this business unit."}]
    assert count(rt.domain, Invoice) == 0  # the good records were not applied either
    del records[2]
    r = client.post("/api/v1/invoices", json={"business_unit": "IND", "records": records},
                    headers=auth(keys["ind"]))
    assert [x["change"] for x in r.json()["results"]] == ["created", "created"]
    r = client.post("/api/v1/invoices", json={"business_unit": "IND", "records": records},
                    headers=auth(keys["ind"]))
    assert [x["change"] for x in r.json()["results"]] == ["unchanged", "unchanged"]
    assert count(rt.domain, Invoice) == 2


def test_lifecycle_and_the_hold_through_the_api(api: Any) -> None:
    rt, client, ind, _con, keys = api
    h = auth(keys["ind"])
    client.post("/api/v1/orders/check", headers=h, json={
        "business_unit": "IND", "customer_external_id": "C1", "external_id": "SO-1",
        "amount": "10000"})
    r = client.post("/api/v1/orders/SO-1/ship", headers=h, json={
        "business_unit": "IND", "delivery_external_id": "D-1", "amount": "4000",
        "shipped_on": "2026-03-02"})
    assert r.json() == {"order": "SO-1", "status": "reserved", "change": "created",
                        "record": "D-1"}
    r = client.post("/api/v1/orders/SO-1/invoice", headers=h, json={
        "business_unit": "IND", "invoice_external_id": "I-1", "issue_date": "2026-03-02"})
    assert r.json()["change"] == "created"
    credit = client.get("/api/v1/customers/C1/credit", params={"business_unit": "IND"},
                        headers=h).json()
    assert (credit["open_orders"], credit["open_receivables"], credit["available"]) == (
        "6000.00", "4000.00", "90000.00")
    with rt.domain.uow() as uow:
        place_hold(uow, ind.account_id, "逾期 10 天", Actor.system("test"))
        uow.commit()
    r = client.post("/api/v1/orders/SO-1/ship", headers=auth(keys["ind"], "zh"), json={
        "business_unit": "IND", "delivery_external_id": "D-2", "shipped_on": "2026-03-02"})
    assert r.status_code == 409 and r.json()["error"] == "credit_refused"
    assert "信用冻结（逾期 10 天）" in r.json()["message"]
    r = client.post("/api/v1/orders/SO-1/cancel", headers=h, json={"business_unit": "IND"})
    assert r.json()["status"] == "cancelled"


def test_a_key_of_one_business_unit_can_neither_read_nor_write_another(api: Any) -> None:
    _rt, client, _ind, con, keys = api
    h = auth(keys["ind"])
    read = client.get("/api/v1/customers/C1/credit", params={"business_unit": "CON"}, headers=h)
    assert read.status_code == 403
    assert read.json()["message"] == "This API key is not valid for that business unit."
    write = client.post("/api/v1/payments", headers=h, json={"business_unit": "CON", "records": [
        {"external_id": "P-1", "customer_external_id": "C1", "amount": "1",
         "received_on": "2026-03-02"}]})
    assert write.status_code == 403
    order = client.post("/api/v1/orders/check", headers=h, json={
        "business_unit": "CON", "customer_uscc": con.uscc, "external_id": "SO-X", "amount": "1"})
    assert order.status_code == 403
    assert client.get("/api/v1/orders/SO-X", params={"business_unit": "CON"},
                      headers=h).status_code == 403
    own = client.get("/api/v1/customers/C1/credit", params={"business_unit": "CON"},
                     headers=auth(keys["con"]))
    assert own.status_code == 200 and own.json()["name"] == "西南建材有限公司"
    readonly = client.post("/api/v1/invoices", headers=auth(keys["ro"]), json={
        "business_unit": "IND", "records": [{"external_id": "I", "customer_external_id": "C1",
                                             "amount": "1", "issue_date": "2026-03-02"}]})
    assert readonly.status_code == 403
    assert client.get("/api/v1/customers/C1/credit", params={"business_unit": "IND"}
                      ).status_code == 401
    assert client.get("/api/v1/customers/C1/credit", params={"business_unit": "IND"},
                      headers=auth("cb_nope_x")).status_code == 401


def test_openapi_docs_list_the_api(api: Any) -> None:
    _rt, client, *_ = api
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    assert "cdn" not in docs.text.lower()  # works inside a closed network: served by creditbot
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text):
        assert client.get(asset).status_code == 200, asset
    assert "/static/swagger-ui/swagger-ui-bundle.js" in docs.text
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/orders/check", "/api/v1/invoices", "/api/v1/payments",
                 "/api/v1/credit-notes", "/api/v1/customers", "/api/v1/deliveries",
                 "/api/v1/orders/{order}/ship", "/api/v1/customers/{ref}/credit"):
        assert path in paths
