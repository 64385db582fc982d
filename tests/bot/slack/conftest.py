"""Slack end to end: the app served by uvicorn on 127.0.0.1 with Slack enabled, the Web API
replaced by a fake Slack on 127.0.0.1, and correctly signed requests."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.web.app import create_app
from credit_domain.orgs.people import find_person, link_identity
from tests.bot.server import serving
from tests.bot.slack.fake_slack import FakeSlack
from tests.handlers.world import Seeded, seed

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_USERS = {"wangfang": "UWANG", "liqiang": "ULIQIANG", "emma": "UEMMA"}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@dataclass
class SlackApp:
    url: str
    runtime: Any
    seeded: Seeded
    fake: FakeSlack

    def post(self, body: str, *, content_type: str = "application/x-www-form-urlencoded",
             timestamp: int | None = None, secret: str = SECRET,
             headers: dict[str, str] | None = None) -> httpx.Response:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
        sent = {"content-type": content_type, "x-slack-request-timestamp": stamp,
                "x-slack-signature": signature or "", **(headers or {})}
        return httpx.post(self.url + "/slack/events", content=body.encode(), headers=sent,
                          timeout=10)

    def slash(self, text: str, user: str = "UWANG", trigger: str = "tr-1",
              channel: str = "C0GENERAL") -> httpx.Response:
        return self.post(urllib.parse.urlencode({
            "token": "x", "team_id": "T1", "team_domain": "acme", "channel_id": channel,
            "channel_name": "general", "user_id": user, "user_name": "someone",
            "command": "/credit", "text": text, "api_app_id": "A1",
            "response_url": f"{self.fake.url}/response/{trigger}", "trigger_id": trigger}))


@contextmanager
def running_slack(make_runtime: Any, fake_slack: FakeSlack, world: Callable[[Any], Seeded],
                  **settings: Any) -> Iterator[SlackApp]:
    """The app served with Slack enabled against the fake, ``world`` seeded and the Slack
    users of :data:`SLACK_USERS` linked."""
    rt = make_runtime(slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                      slack_api_url=fake_slack.url + "/api/", **settings)
    seeded = world(rt.domain)
    with rt.domain.uow() as uow:
        for login, user in SLACK_USERS.items():
            link_identity(uow, find_person(uow.session, login), "slack", user)
        uow.commit()
    with serving(create_app(rt)) as url:
        yield SlackApp(url, rt, seeded, fake_slack)


@pytest.fixture
def slack_app(make_runtime: Any, fake_slack: FakeSlack) -> Iterator[SlackApp]:
    with running_slack(make_runtime, fake_slack, seed,
                       slack_channels="credit-alerts=C0ALERTS") as app:
        yield app
