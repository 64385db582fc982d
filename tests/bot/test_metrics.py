"""Every metric /metrics promises moves when its thing happens: a chat event handled, a job
run (and a tick another replica already ran), an alert raised, an outbox delivery; the log
records of a chat event carry its request id and its platform event id."""

import io
import json
import logging
from typing import Any

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.monitoring import make_dispatcher
from bot.observability import JsonFormatter
from bot.web.app import create_app
from credit_domain.access import Actor
from credit_domain.accounts.holds import place_hold
from credit_domain.monitoring.jobs import run_job
from credit_domain.monitoring.models import RaisedAlert
from tests.integration_world import make_shop


def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    body = client.get("/metrics").text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_move_with_handling_jobs_alerts_and_deliveries(make_runtime: Any) -> None:
    rt = make_runtime(emulator=True, secret_key="s3cret-for-tests")
    shop = make_shop(rt.domain)
    client = TestClient(create_app(rt))
    client.post("/login/emulator", data={"person_id": shop.sales_id, "next": "/"})
    before = scrape(client)

    records = io.StringIO()
    capture = logging.StreamHandler(records)
    capture.setFormatter(JsonFormatter())
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    try:
        r = client.post("/emulator/api/send", json={"text": "help", "client_id": "m-1"},
                        headers={"X-Request-ID": "req-metrics-1"})
    finally:
        root.removeHandler(capture)
        root.setLevel(saved_level)
    assert r.status_code == 200
    handled = [json.loads(line) for line in records.getvalue().splitlines()
               if "event handled by" in line]
    assert handled and handled[0]["request_id"] == "req-metrics-1"
    assert handled[0]["event_id"]  # the emulator message's event id

    with rt.domain.uow() as uow:
        place_hold(uow, shop.account_id, "逾期超过90天", Actor.system("test"), cause="overdue")
        uow.commit()
    tick = rt.domain.clock.now()
    assert run_job(rt.domain, "utilisation", scheduled_for=tick, trigger="schedule") is not None
    # a second replica firing the same tick finds it claimed
    assert run_job(rt.domain, "utilisation", scheduled_for=tick, trigger="schedule") is None
    report = make_dispatcher(rt.domain, rt.settings).run_once()
    assert report.sent >= 1

    after = scrape(client)
    latency = "creditbot_handler_seconds_count"
    assert (value(after, latency, platform="emulator", handler="help")
            == value(before, latency, platform="emulator", handler="help") + 1)
    for labels in ({"job": "utilisation", "outcome": "ok"},
                   {"job": "utilisation", "outcome": "skipped"}):
        assert (value(after, "creditbot_job_runs_total", **labels)
                == value(before, "creditbot_job_runs_total", **labels) + 1), labels
    assert (value(after, "creditbot_alerts_total", type="credit_hold")
            == value(before, "creditbot_alerts_total", type="credit_hold") + 1)
    assert (value(after, "creditbot_deliveries_total", outcome="sent")
            == value(before, "creditbot_deliveries_total", outcome="sent") + report.sent)
    assert value(after, "creditbot_outbox_messages", status="sent") == report.sent


def test_an_alert_rolled_back_is_not_counted(make_runtime: Any) -> None:
    """Alerts are counted when their transaction commits: one raised in a unit of work that
    is rolled back (as a dry run's are) is not."""
    rt = make_runtime(emulator=True, secret_key="s3cret-for-tests")
    shop = make_shop(rt.domain)
    client = TestClient(create_app(rt))
    before = value(scrape(client), "creditbot_alerts_total", type="credit_hold")
    with rt.domain.uow() as uow:
        place_hold(uow, shop.account_id, "逾期超过90天", Actor.system("test"), cause="overdue")
        uow.checkpoint()  # the hold's subscribers raise the alert and queue its messages
        assert uow.session.scalar(select(func.count()).select_from(RaisedAlert)) == 1
    assert value(scrape(client), "creditbot_alerts_total", type="credit_hold") == before
