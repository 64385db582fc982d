"""Logs, request ids and metrics.

- Logs are text for people or JSON lines for collectors (``CREDITBOT_LOG_FORMAT=json``), each
  with the request id (``X-Request-ID`` or a new one) and, where set, the inbound event id.
  A filter masks every configured secret (tokens, signing secrets, AES keys, API keys, the
  database password) in messages, arguments and tracebacks before anything is written.
- Prometheus metrics at ``/metrics``: HTTP requests and latency by route, handler latency,
  outbox depth and age of the oldest pending message (read from the database at scrape time),
  job runs and failures, alerts by type.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credit_domain.outbox.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None)
event_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "event_id", default=None)

REGISTRY = CollectorRegistry(auto_describe=True)
HTTP_REQUESTS = Counter("creditbot_http_requests_total", "HTTP requests",
                        ["method", "route", "status"], registry=REGISTRY)
HTTP_LATENCY = Histogram("creditbot_http_request_seconds", "HTTP request latency",
                         ["method", "route"], registry=REGISTRY)
HANDLER_LATENCY = Histogram("creditbot_handler_seconds", "Chat handler latency",
                            ["platform", "handler"], registry=REGISTRY)
JOB_RUNS = Counter("creditbot_job_runs_total", "Scheduled job runs", ["job", "outcome"],
                   registry=REGISTRY)
ALERTS = Counter("creditbot_alerts_total", "Alerts raised", ["type"], registry=REGISTRY)
DELIVERIES = Counter("creditbot_deliveries_total", "Outbox deliveries", ["outcome"],
                     registry=REGISTRY)


# Query parameters that carry credentials in platform URLs (WeCom's ``access_token`` and
# ``corpsecret``, DingTalk's robot ``access_token`` and ``sign``, Qichacha's ``key``…): a URL
# in an error or a library's debug log must not carry them out, configured or not (access
# tokens are issued at run time, so no list of configured values can know them).
SENSITIVE_QUERY = re.compile(
    r"(?i)\b(access_?token|corpsecret|app_?secret|client_?secret|secret|sign|signature|"
    r"msg_signature|token|password|key)=([^&\s\"'<>]+)")


def redact_query(text: str) -> str:
    """``text`` with the value of every credential-carrying query parameter replaced."""
    return SENSITIVE_QUERY.sub(lambda m: f"{m.group(1)}=***", text)


class PrometheusTelemetry:
    """The domain's telemetry port (:mod:`credit_domain.telemetry`) on this process's
    Prometheus counters."""

    def job_run(self, job: str, outcome: str) -> None:
        JOB_RUNS.labels(job, outcome).inc()

    def alert_raised(self, alert_type: str) -> None:
        ALERTS.labels(alert_type).inc()

    def delivery(self, outcome: str) -> None:
        DELIVERIES.labels(outcome).inc()


@contextlib.contextmanager
def handling(platform: str, handler: str, event_id: str | None) -> Iterator[None]:
    """Time one chat event's handling (``creditbot_handler_seconds``) and put its platform
    event id on every log record written meanwhile."""
    token = event_id_var.set(event_id)
    start = time.perf_counter()
    try:
        yield
    finally:
        took = time.perf_counter() - start
        HANDLER_LATENCY.labels(platform, handler).observe(took)
        log.info("%s event handled by %s in %.0f ms", platform, handler, took * 1000)
        event_id_var.reset(token)


class SecretMasker(logging.Filter):
    """Replace every known secret value in a record with ``***``, and the value of every
    credential-carrying query parameter (:func:`redact_query`)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        values = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, values))) if values else None

    def mask(self, text: str) -> str:
        text = self._pattern.sub("***", text) if self._pattern else text
        return redact_query(text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, var in (("request_id", request_id_var), ("event_id", event_id_var)):
            value = var.get()
            if value:
                entry[key] = value
        if record.exc_text or record.exc_info:
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        ids = [f"{name} {value}" for name, value in (("req", request_id_var.get()),
                                                       ("event", event_id_var.get())) if value]
        return f"{base} [{', '.join(ids)}]" if ids else base


def configure_logging(fmt: str, level: str, secrets: Iterable[str]) -> SecretMasker:
    """Install one handler on the root logger (and uvicorn's) with the secret masker."""
    masker = SecretMasker(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(masker)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    return masker


class OutboxCollector(Collector):
    """Outbox depth and the age of its oldest pending message, read at scrape time."""

    def __init__(self, read_session: Callable[[], Any], now: Callable[[], Any]) -> None:
        self._read = read_session
        self._now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("creditbot_outbox_messages", "Outbox messages by status",
                                  labels=["status"])
        age = GaugeMetricFamily("creditbot_outbox_oldest_pending_seconds",
                                "Age of the oldest pending outbox message")
        try:
            with self._read() as session:
                rows = session.execute(select(OutboxMessage.status, func.count())
                                       .group_by(OutboxMessage.status)).all()
                oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.status == OutboxStatus.PENDING))
        except Exception:  # a scrape must not fail because the database is down
            return
        counts = {str(s): n for s, n in rows}
        for status in OutboxStatus:
            depth.add_metric([status.value], counts.get(status.value, 0))
        age.add_metric([], (self._now() - oldest).total_seconds() if oldest else 0.0)
        yield depth
        yield age


class RequestMiddleware:
    """Set the request id, time the request and count it by route template.

    Plain ASGI: Starlette's ``BaseHTTPMiddleware`` runs the app in a task of its own and
    streams the response through a channel, which cost every request (an ERP's order check, a
    Slack tap) more than all of this."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = Headers(scope=scope).get("x-request-id") or uuid.uuid4().hex[:16]
        token = request_id_var.set(rid)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # the router names the matched route in the scope it was given
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            HTTP_LATENCY.labels(scope["method"], route).observe(time.perf_counter() - start)
            request_id_var.reset(token)
