"""A fake Slack: the Web API (``/api/<method>``) and response URLs (``/response/<id>``) as a
real HTTP server on 127.0.0.1 that records every call. Methods can be told to fail."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    path: str
    method: str  # the API method ("chat.postMessage") or "response"
    body: dict[str, Any]
    headers: dict[str, str]
    answer: dict[str, Any] = field(default_factory=dict)  # what the fake answered


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    socket_url: str = ""  # what apps.connections.open answers (Socket Mode)

    def start(self) -> FakeSlack:
        fake = self
        ts = itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                if "json" in (self.headers.get("content-type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                method = self.path.rsplit("/", 1)[-1] if self.path.startswith("/api/") \
                    else "response"
                call = Call(self.path, method, body, dict(self.headers))
                with fake.lock:
                    fake.calls.append(call)
                if method in fake.failures:
                    status, payload, headers = fake.failures[method]
                    return self.reply(status, payload, headers)
                if method == "response":
                    return self.reply(200, None)
                answer: dict[str, Any] = {"ok": True}
                if method == "auth.test":
                    answer.update(user_id="UBOT", bot_id="BBOT", team_id="T1", team="Acme",
                                  url="https://acme.slack.com/")
                elif method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
                    channel = str(body.get("channel", ""))
                    if channel.startswith("U"):  # a DM by user id lands in the IM channel
                        channel = "D" + channel[1:]
                    stamp = body.get("ts") or f"1700000000.{next(ts):06d}"
                    answer.update(channel=channel, ts=stamp)
                elif method == "apps.connections.open":
                    answer.update(url=fake.socket_url)
                elif method in ("views.open", "views.publish"):
                    answer.update(view={"id": "V1"})
                call.answer = answer
                self.reply(200, answer)

            def reply(self, status: int, payload: Any, headers: dict[str, str] | None = None
                      ) -> None:
                data = b"ok" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type",
                                 "text/plain" if payload is None else "application/json")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"fake Slack got {len(self.of(method))} {method} calls, "
                             f"expected {count}: {[c.method for c in self.calls]}")
