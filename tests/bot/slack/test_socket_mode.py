"""Socket Mode: with SLACK_APP_TOKEN, creditbot connects out to Slack over a WebSocket (here a
fake Socket Mode server on 127.0.0.1), acknowledges each envelope and answers as in HTTP mode."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from bot.web.app import create_app
from credit_domain.orgs.people import find_person, link_identity
from tests.bot.server import serving
from tests.bot.slack.conftest import SECRET
from tests.bot.slack.fake_slack import FakeSlack
from tests.handlers.world import seed


class FakeSocketMode:
    """Slack's side of Socket Mode: says hello, sends envelopes, records the acks."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.received: list[dict[str, Any]] = []
        self.connected = threading.Event()
        self.ws: web.WebSocketResponse | None = None

    def start(self) -> str:
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        return asyncio.run_coroutine_threadsafe(self._serve(), self.loop).result(10)

    async def _serve(self) -> str:
        app = web.Application()
        app.router.add_get("/link", self._socket)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        return f"ws://127.0.0.1:{port}/link"

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws = ws
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A1"}})
        self.connected.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.received.append(json.loads(msg.data))
        return ws

    def send(self, envelope: dict[str, Any]) -> None:
        assert self.ws is not None
        asyncio.run_coroutine_threadsafe(self.ws.send_json(envelope), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def socket_mode() -> Iterator[FakeSocketMode]:
    fake = FakeSocketMode()
    yield fake
    fake.stop()


def test_socket_mode_answers_a_slash_command(make_runtime: Any, socket_mode: FakeSocketMode
                                             ) -> None:
    fake = FakeSlack().start()
    try:
        fake.socket_url = socket_mode.start()
        rt = make_runtime(slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                          slack_app_token="xapp-1-test", slack_api_url=fake.url + "/api/")
        seed(rt.domain)
        with rt.domain.uow() as uow:
            link_identity(uow, find_person(uow.session, "wangfang"), "slack", "UWANG")
            uow.commit()
        with serving(create_app(rt)):
            assert socket_mode.connected.wait(15), "creditbot did not connect"
            [opened] = fake.of("apps.connections.open")
            assert opened.headers["Authorization"] == "Bearer xapp-1-test"
            socket_mode.send({
                "envelope_id": "env-1", "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {"team_id": "T1", "user_id": "UWANG", "channel_id": "C1",
                            "command": "/credit", "text": "华为", "trigger_id": "tr-sock",
                            "response_url": f"{fake.url}/response/sock"}})
            [answer] = fake.wait_for("response")
            assert "华为技术有限公司" in answer.body["text"]
            deadline = time.monotonic() + 5
            while not any(m.get("envelope_id") == "env-1" for m in socket_mode.received):
                assert time.monotonic() < deadline, socket_mode.received
                time.sleep(0.05)
    finally:
        fake.stop()
