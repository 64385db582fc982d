"""Fixtures for the platform adapters: fake platform APIs served on 127.0.0.1, creditbot's
own app served the same way, and a recording inbound handler."""

from __future__ import annotations

import asyncio
import base64
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.messages import CardAction, Command, Reply
from bot.platform_support.inbound import set_inbound_handler
from bot.web.app import create_app
from tests.platforms.fake_server import ServedApp
from tests.platforms.fake_wecom import FakeWeCom, WeComCaller

Event = Command | CardAction


def aes_key() -> str:
    """A valid EncodingAESKey (43 characters)."""
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


@dataclass
class Recorder:
    """An inbound handler that records what reaches it and answers with ``script``."""

    script: Callable[[Event], Sequence[Reply]] = lambda _e: ()
    delay: float = 0.0
    events: list[Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, event: Event) -> Sequence[Reply]:
        with self.lock:
            self.events.append(event)
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.script(event)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def fake_wecom() -> Iterator[FakeWeCom]:
    fake = FakeWeCom()
    with ServedApp(fake.app) as served:
        fake.url = served.url  # type: ignore[attr-defined]
        yield fake


@dataclass
class WeComSetup:
    fake: FakeWeCom
    runtime: Any
    caller: WeComCaller
    url: str  # creditbot's base URL


@pytest.fixture
def wecom(make_runtime: Any, fake_wecom: FakeWeCom, recorder: Recorder
          ) -> Iterator[WeComSetup]:
    token, key = "callback-token", aes_key()
    rt = make_runtime(wecom_corp_id=fake_wecom.corp_id, wecom_agent_id=fake_wecom.agent_id,
                      wecom_secret=fake_wecom.secret, wecom_token=token,
                      wecom_encoding_aes_key=key,
                      wecom_api_url=f"{fake_wecom.url}/cgi-bin/")  # type: ignore[attr-defined]
    set_inbound_handler(rt, recorder)
    with ServedApp(create_app(rt), lifespan="on") as served:
        yield WeComSetup(fake_wecom, rt,
                         WeComCaller(token, key, fake_wecom.corp_id, fake_wecom.agent_id),
                         served.url)
