"""The bureau port as a process wires it: the embedded fake by default, real providers from
settings (here pointed at the fake), clear failures without credentials, and the fake
mounted in the web server for the demo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.bureau import EmbeddedFake, Misconfigured, fake_bureau
from bot.fakes.server import serve_in_thread
from bot.web.app import create_app
from credit_domain.bureau.models import BureauSnapshot
from credit_domain.bureau.services import refresh_bureau
from credit_domain.customers.models import Customer
from credit_domain.errors import InvalidInput
from tests.factories import World

MakeRuntime = Callable[..., Any]


def seed(rt: Any) -> Customer:
    with rt.domain.uow() as uow:
        w = World(uow.session, uow.now())
        cust = w.customer("苏州恒达精密机械有限公司")
        w.account(cust, w.business_unit())
        uow.commit()
    return cust


def test_the_demo_uses_the_embedded_fake_and_a_deployment_none(
        make_runtime: MakeRuntime) -> None:
    rt = make_runtime(emulator=True)
    cust = seed(rt)
    provider = rt.domain.ports["bureau"]
    assert isinstance(provider, EmbeddedFake)
    try:
        result = refresh_bureau(rt.domain)
        assert (result.checked, result.changed, result.failures) == (1, 1, [])
        with rt.domain.read() as s:
            snap = s.scalars(select(BureauSnapshot)).one()
        assert snap.report["name"] == cust.legal_name and snap.report["uscc"] == cust.uscc
    finally:
        provider.stop()
    # Without the emulator nothing invented reaches real customers: no provider until one
    # is configured, and the fake's cached answers are not taken for a real provider's.
    deployment = make_runtime()
    assert "bureau" not in deployment.domain.ports
    with pytest.raises(InvalidInput, match="No bureau provider is configured"):
        refresh_bureau(deployment.domain)
    real = make_runtime(bureau_provider="tianyancha", tianyancha_token="t0ken",
                        bureau_api_url="http://127.0.0.1:9")
    unreachable = refresh_bureau(real.domain)
    assert unreachable.changed == 0 and (unreachable.failures or unreachable.stopped)


def test_qichacha_from_settings_talks_to_the_configured_url(make_runtime: MakeRuntime) -> None:
    bootstrap = make_runtime()
    seed(bootstrap)
    server = serve_in_thread(fake_bureau(bootstrap).app)
    try:
        rt = make_runtime(bureau_provider="qichacha", qichacha_key="fake-key",
                          qichacha_secret_key="fake-secret", bureau_api_url=server.url)
        result = refresh_bureau(rt.domain)
        assert (result.changed, result.failures) == (1, [])
        with rt.domain.read() as s:
            assert s.scalars(select(BureauSnapshot)).one().provider == "qichacha"
        wrong = make_runtime(bureau_provider="qichacha", qichacha_key="fake-key",
                             qichacha_secret_key="nope", bureau_api_url=server.url,
                             bureau_cache_ttl_hours=0)
        stopped = refresh_bureau(wrong.domain)
        assert stopped.stopped is not None and "109" in stopped.stopped
    finally:
        server.stop()


def test_missing_credentials_fail_clearly(make_runtime: MakeRuntime) -> None:
    rt = make_runtime(bureau_provider="tianyancha")
    seed(rt)
    assert isinstance(rt.domain.ports["bureau"], Misconfigured)
    result = refresh_bureau(rt.domain)
    assert result.stopped == "TIANYANCHA_TOKEN is not set"


def test_serve_mounts_the_fake_in_the_demo(make_runtime: MakeRuntime) -> None:
    rt = make_runtime(emulator=True)
    cust = seed(rt)
    client = TestClient(create_app(rt))
    r = client.get("/fake-bureau/services/open/ic/baseinfo/normal",
                   params={"keyword": cust.uscc}, headers={"Authorization": "demo"})
    assert r.status_code == 200 and r.json()["error_code"] == 0
    assert r.json()["result"]["name"] == cust.legal_name
    off = TestClient(create_app(make_runtime(emulator=False)))
    assert off.get("/fake-bureau/services/open/ic/baseinfo/normal").status_code == 404
