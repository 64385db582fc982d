"""Metrics at /metrics, request ids on every answer, JSON logs, and secrets never logged."""

import io
import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.observability import REGISTRY, JsonFormatter, SecretMasker, configure_logging
from bot.web.app import create_app

SECRET = "xoxb-1234567890-SECRETSECRET"


def test_metrics_and_request_ids(make_runtime: Any) -> None:
    rt = make_runtime()
    with rt.domain.uow() as uow:
        uow.notify("x", channel="finance")
        uow.commit()
    client = TestClient(create_app(rt))
    r = client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert r.headers["X-Request-ID"] == "abc123"
    assert client.get("/readyz").headers["X-Request-ID"]
    body = client.get("/metrics").text
    assert 'creditbot_http_requests_total{method="GET",route="/healthz",status="200"}' in body
    assert 'creditbot_outbox_messages{status="pending"} 1.0' in body
    assert "creditbot_outbox_oldest_pending_seconds" in body


def test_refused_and_unknown_requests_carry_their_id_and_are_counted(make_runtime: Any
                                                                    ) -> None:
    """An ERP's call without its key and a mistyped path are the requests an operator looks
    up by id: their answers carry it, and the metrics count them by route and status."""
    client = TestClient(create_app(make_runtime()))
    labels = [{"method": "POST", "route": "/api/v1/orders/check", "status": "401"},
              {"method": "GET", "route": "unmatched", "status": "404"}]

    def counted() -> list[float]:  # the registry is the process's: compare, don't read
        return [REGISTRY.get_sample_value("creditbot_http_requests_total", x) or 0.0
                for x in labels]

    before = counted()
    refused = client.post("/api/v1/orders/check", json={}, headers={"X-Request-ID": "erp-7"})
    assert (refused.status_code, refused.headers["X-Request-ID"]) == (401, "erp-7")
    lost = client.get("/api/v1/order/check", headers={"X-Request-ID": "typo-1"})
    assert (lost.status_code, lost.headers["X-Request-ID"]) == (404, "typo-1")
    assert counted() == [n + 1 for n in before]


def test_secrets_are_masked_in_messages_args_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretMasker([SECRET, "short"]))
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("test.masking")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("token is %s", SECRET)
        try:
            raise RuntimeError(f"auth failed for {SECRET}")
        except RuntimeError:
            log.exception("sending failed")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert SECRET not in out and out.count("***") >= 2
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["msg"] == "token is ***" and "RuntimeError" in lines[1]["exc"]


def test_configure_logging_installs_the_masker(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("json", "INFO", [SECRET])
        logging.getLogger("creditbot.test").error("leak? %s", SECRET)
        err = capsys.readouterr().err
        assert SECRET not in err and json.loads(err.strip().splitlines()[-1])["level"] == "error"
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
