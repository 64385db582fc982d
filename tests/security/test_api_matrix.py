"""The REST API's access matrix: every API route × every kind of key — a key with exactly the
route's scope in the route's business unit, each scope in the wrong business unit, each other
scope in the right one, a key with every scope in another business unit, a revoked key, a
malformed key and no key at all.

Expected, from the API's contract (``bot/web/api/common.py``, SECURITY.md): only a key with the
route's scope, valid for the business unit asked about, gets its answer (200). A key without
the scope, or not valid for that business unit, gets 403; a missing, unknown or revoked key
gets 401. A refused call says why in its body, changes nothing, and is logged on
``creditbot.access`` (the key's name for 403, why the key was refused for 401, never the key).

Matrix size: 13 routes × 12 keys = 156 cells.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.web.app import create_app
from credit_domain.apikeys.services import SCOPES, create_key, revoke_key
from credit_domain.unit_of_work import ActorRef
from tests.integration_world import make_shop
from tests.security.state import fingerprint

_seq = itertools.count(1)
IND = {"business_unit": "IND"}


def uniq(prefix: str) -> str:
    return f"{prefix}-{next(_seq)}"


# route → (scope, method, path, request body or query: a function, so each call is new)
Body = Callable[[], dict[str, Any]]
ROUTES: dict[str, tuple[str, str, str, Body]] = {
    "credit status": ("erp:read", "GET", "/api/v1/customers/C1/credit", lambda: IND),
    "order check": ("orders:check", "POST", "/api/v1/orders/check", lambda: {
        **IND, "customer_external_id": "C1", "external_id": uniq("SO"), "amount": "100"}),
    "read order": ("orders:check", "GET", "/api/v1/orders/SO-BASE", lambda: IND),
    "confirm order": ("orders:check", "POST", "/api/v1/orders/SO-CONFIRM/confirm", lambda: IND),
    "ship order": ("orders:check", "POST", "/api/v1/orders/SO-BASE/ship", lambda: {
        **IND, "delivery_external_id": uniq("D"), "amount": "10", "shipped_on": "2026-03-02"}),
    "invoice order": ("orders:check", "POST", "/api/v1/orders/SO-BASE/invoice", lambda: {
        **IND, "invoice_external_id": uniq("OI"), "amount": "10", "issue_date": "2026-03-02"}),
    "cancel order": ("orders:check", "POST", "/api/v1/orders/SO-CANCEL/cancel", lambda: IND),
    "push customers": ("erp:write", "POST", "/api/v1/customers", lambda: {**IND, "records": [
        {"external_id": uniq("C"), "name": f"{uniq('新客户')}有限公司"}]}),
    "push deliveries": ("erp:write", "POST", "/api/v1/deliveries", lambda: {**IND, "records": [
        {"external_id": uniq("D"), "customer_external_id": "C1", "amount": "10",
         "shipped_on": "2026-03-02"}]}),
    "push invoices": ("erp:write", "POST", "/api/v1/invoices", lambda: {**IND, "records": [
        {"external_id": uniq("I"), "customer_external_id": "C1", "amount": "10",
         "issue_date": "2026-03-02"}]}),
    "push payments": ("erp:write", "POST", "/api/v1/payments", lambda: {**IND, "records": [
        {"external_id": uniq("P"), "customer_external_id": "C1", "amount": "1",
         "received_on": "2026-03-02"}]}),
    "push credit notes": ("erp:write", "POST", "/api/v1/credit-notes", lambda: {
        **IND, "records": [{"external_id": uniq("CN"), "customer_external_id": "C1",
                            "amount": "1", "issued_on": "2026-03-02"}]}),
    "analytics": ("analytics:read", "GET", "/api/v1/analytics/kpis", lambda: {
        "scope": "bu:IND"}),
}
# key name → (scopes, business units); the special ones are built in the fixture
KEYS: dict[str, tuple[list[str], list[str]]] = {
    **{f"{scope}@IND": ([scope], ["IND"]) for scope in SCOPES},
    **{f"{scope}@CON": ([scope], ["CON"]) for scope in SCOPES},
    "all@CON": (sorted(SCOPES), ["CON"]),
    "revoked": (sorted(SCOPES), ["IND"]),
}
SPECIAL = ("malformed", "none")


def expected(route: str, key: str) -> int:
    scope = ROUTES[route][0]
    if key in ("revoked", *SPECIAL):
        return 401
    return 200 if key == f"{scope}@IND" else 403


@pytest.fixture
def api(make_runtime: Any) -> tuple[Any, TestClient, dict[str, str]]:
    rt = make_runtime()
    make_shop(rt.domain, code="IND", limit="1000000")
    make_shop(rt.domain, code="CON", limit="50000", name="西南建材有限公司", n=2)
    tokens: dict[str, str] = {}
    with rt.domain.uow(ActorRef.system("test")) as uow:
        rows = {}
        for name, (scopes, units) in KEYS.items():
            rows[name], tokens[name] = create_key(uow, name, business_unit_codes=units,
                                                  scopes=scopes)
        setup = create_key(uow, "setup", business_unit_codes=["IND"], scopes=sorted(SCOPES))[1]
        uow.session.flush()
        revoke_key(uow, str(rows["revoked"].id))
        uow.commit()
    tokens["malformed"] = "not-a-key"
    client = TestClient(create_app(rt))
    for order in ("SO-BASE", "SO-CONFIRM", "SO-CANCEL"):
        made = client.post("/api/v1/orders/check", headers={"Authorization": f"Bearer {setup}"},
                           json={**IND, "customer_external_id": "C1", "external_id": order,
                                 "amount": "5000"})
        assert made.status_code == 200 and made.json()["decision"] == "pass", made.text
    return rt, client, tokens


def call(client: TestClient, route: str, token: str | None) -> Any:
    _scope, method, path, body = ROUTES[route]
    headers = {"Accept-Language": "zh-CN"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if method == "GET":
        return client.get(path, params=body(), headers=headers)
    return client.post(path, json=body(), headers=headers)


def test_api_matrix(api: Any, caplog: pytest.LogCaptureFixture) -> None:
    rt, client, tokens = api
    caplog.set_level(logging.WARNING, logger="creditbot.access")
    wrong: dict[str, str] = {}
    cells = 0
    for route in ROUTES:
        for key in (*KEYS, *SPECIAL):
            cells += 1
            want = expected(route, key)
            before = fingerprint(rt.domain) if want != 200 else None
            caplog.clear()
            answer = call(client, route, tokens.get(key))
            cell = f"{route} / {key}"
            if answer.status_code != want:
                wrong[cell] = f"{answer.status_code} (wanted {want}): {answer.text[:200]}"
                continue
            if want == 200:
                continue
            if not answer.json().get("message", answer.json().get("detail")):
                wrong[cell] = f"no reason given: {answer.text}"
            elif fingerprint(rt.domain) != before:
                wrong[cell] = "refused but changed the database"
            elif not any(r.name == "creditbot.access" and r.levelno == logging.WARNING
                         and (key in getattr(r, "actor", "") or want == 401)
                         for r in caplog.records):
                wrong[cell] = "refused without a log record"
            elif tokens.get(key) and want == 401 and key != "malformed" and any(
                    tokens[key].split("_", 2)[2] in r.getMessage() for r in caplog.records):
                wrong[cell] = "the key's secret was logged"
    assert cells == len(ROUTES) * (len(KEYS) + len(SPECIAL)) == 156
    assert not wrong, f"{len(wrong)} of {cells} cells wrong: {wrong}"
