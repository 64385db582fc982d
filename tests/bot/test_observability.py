"""Metrics at /metrics, request ids on every answer, JSON logs, and secrets never logged."""

import io
import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.observability import JsonFormatter, SecretMasker, configure_logging
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
