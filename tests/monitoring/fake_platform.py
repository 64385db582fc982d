"""A fake chat platform API: a real HTTP server on 127.0.0.1 (port 0) that can be down for a
while (answering 500s, or hanging past the client's timeout without posting anything) and
then recovers; and a test Notifier that talks to it with httpx, as a platform client would.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from credit_domain.outbox.port import DeliveryFailed, OutgoingMessage


class FakePlatform:
    """POST /messages with ``{"id": …}``. While ``is_down()`` is true, every ``hang_every``-th
    request hangs for ``hang_seconds`` (a timeout for the client) and the others get a 500;
    nothing is posted. Otherwise the message is posted and a ``ts`` returned."""

    def __init__(self, is_down: Callable[[], bool] = lambda: False, *, hang_every: int = 4,
                 hang_seconds: float = 0.5, delay: float = 0.0) -> None:
        self.is_down = is_down
        self.hang_every = hang_every
        self.hang_seconds = hang_seconds
        self.delay = delay
        self.posted: Counter[int] = Counter()
        self.requests = 0
        self.failures = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakePlatform:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with platform.lock:
                    platform.requests += 1
                    n = platform.requests
                    down = platform.is_down()
                    if down:
                        platform.failures += 1
                    else:
                        platform.posted[body["id"]] += 1
                if down and n % platform.hang_every == 0:
                    time.sleep(platform.hang_seconds)
                    return self._answer(504, {"ok": False})
                if down:
                    return self._answer(500, {"ok": False, "error": "internal_error"})
                time.sleep(platform.delay)
                self._answer(200, {"ok": True, "ts": f"ts-{body['id']}"})

            def _answer(self, status: int, data: dict[str, Any]) -> None:
                try:
                    raw = json.dumps(data).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timed out) already

        return Handler


class HttpNotifier:
    """The Notifier port over HTTP with httpx: 5xx and timeouts are temporary failures,
    4xx permanent ones."""

    def __init__(self, base_url: str, timeout: float = 0.2) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=timeout)

    def send(self, message: OutgoingMessage) -> dict[str, Any] | None:
        try:
            r = self.client.post("/messages", json={"id": message.id, "kind": message.kind,
                                                    "person": message.person_id,
                                                    "channel": message.channel})
        except httpx.TimeoutException as exc:
            raise DeliveryFailed(f"timeout: {exc}") from exc
        except httpx.TransportError as exc:
            raise DeliveryFailed(f"transport: {exc}") from exc
        if r.status_code >= 500:
            raise DeliveryFailed(f"platform answered {r.status_code}")
        if r.status_code >= 400:
            raise DeliveryFailed(f"refused: {r.status_code}", permanent=True)
        return {"ts": r.json()["ts"]}
