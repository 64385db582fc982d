"""Fixtures for the platform adapters: fake platform APIs served on 127.0.0.1, creditbot's
own app served the same way, and a recording inbound handler."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from bot.messages import CardAction, Command, Reply
from bot.platform_support.inbound import set_inbound_handler
from bot.web.app import create_app
from tests.handlers.conftest import registry  # noqa: F401  (scratch handlers in tests)
from tests.handlers.world import Seeded, seed
from tests.platforms.chat import DingTalkChat, WeComChat
from tests.platforms.fake_dingtalk import FakeDingTalk
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


# -- DingTalk ----------------------------------------------------------------------------------
@pytest.fixture
def fake_dingtalk() -> Iterator[FakeDingTalk]:
    fake = FakeDingTalk()
    with ServedApp(fake.app) as served:
        fake.url = served.url
        yield fake


@dataclass
class DingTalkSetup:
    fake: FakeDingTalk
    runtime: Any
    url: str  # creditbot's base URL
    token: str
    aes_key: str

    def encrypted(self, event: dict[str, Any], owner_key: str | None = None,
                  aes_key: str | None = None) -> tuple[dict[str, str], bytes]:
        """What DingTalk POSTs to the callback URL for ``event``."""
        from dingtalk.crypto import DingTalkCrypto

        crypto = DingTalkCrypto(self.token, aes_key or self.aes_key,
                                owner_key or self.fake.client_id)
        sealed = crypto.encrypt_message(json.dumps(event, ensure_ascii=False))
        return ({"signature": sealed["msg_signature"], "timestamp": sealed["timeStamp"],
                 "nonce": sealed["nonce"]}, json.dumps({"encrypt": sealed["encrypt"]}).encode())

    def robot_headers(self, *, timestamp_ms: int | None = None,
                      secret: str | None = None) -> dict[str, str]:
        """The headers DingTalk signs a robot's HTTP-mode request with (the app secret)."""
        from bot.dingtalk.robot import signature

        stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
        return {"timestamp": str(stamp),
                "sign": signature(secret or self.fake.client_secret, stamp)}

    def robot_post(self, message: dict[str, Any], **kw: Any) -> httpx.Response:
        """DingTalk posting ``message`` to the robot's HTTP-mode address."""
        body = json.dumps(message, ensure_ascii=False).encode()
        return httpx.post(f"{self.url}/dingtalk/robot", content=body,
                          headers={"content-type": "application/json",
                                   **self.robot_headers(**kw)})


@pytest.fixture
def dingtalk(make_runtime: Any, fake_dingtalk: FakeDingTalk, recorder: Recorder
             ) -> Iterator[DingTalkSetup]:
    from bot.dingtalk.adapter import dingtalk_platform

    token, key = "callback-token", aes_key()
    rt = make_runtime(
        dingtalk_client_id=fake_dingtalk.client_id,
        dingtalk_client_secret=fake_dingtalk.client_secret, dingtalk_token=token,
        dingtalk_aes_key=key, dingtalk_api_url=fake_dingtalk.url,
        dingtalk_oapi_url=fake_dingtalk.url,
        dingtalk_robot_webhook=f"{fake_dingtalk.url}/robot/send?access_token=grouptoken",
        dingtalk_robot_secret=fake_dingtalk.webhook_secret,
        dingtalk_card_template_id=fake_dingtalk.template_id)
    platform = dingtalk_platform(rt)
    assert platform is not None
    if platform.stream is not None:
        platform.stream.backoff_base, platform.stream.backoff_max = 0.05, 0.2
    set_inbound_handler(rt, recorder)
    with ServedApp(create_app(rt), lifespan="on") as served:
        yield DingTalkSetup(fake_dingtalk, rt, served.url, token, key)
    if platform.api is not None:
        platform.api.close()


# -- Both platforms on the real conversation pipeline ------------------------------------------
PEOPLE = ("wangfang", "wulei", "liqiang", "emma", "zhangwei")


@dataclass
class Platforms:
    """creditbot with WeCom and DingTalk configured against the fakes, the conversation
    pipeline as their inbound handler, and the small world of ``tests.handlers.world`` (each
    person's WeCom and DingTalk user id is their emulator login)."""

    runtime: Any
    url: str
    seeded: Seeded
    wecom: WeComChat
    dingtalk: DingTalkChat
    dingtalk_http: DingTalkChat  # the same robot in HTTP mode

    def person_id(self, login: str) -> int:
        from credit_domain.orgs.people import find_person

        with self.runtime.domain.read() as session:
            return find_person(session, login).id

    def deliver_outbox(self) -> Any:
        """What the dispatcher would do now: deliver every due outbox message."""
        from bot.monitoring import make_dispatcher

        return make_dispatcher(self.runtime.domain, self.runtime.settings).drain()


@pytest.fixture
def platforms(request: pytest.FixtureRequest, make_runtime: Any, fake_wecom: FakeWeCom,
              fake_dingtalk: FakeDingTalk) -> Iterator[Platforms]:
    """Parametrize indirectly with ``False`` for DingTalk without Stream mode."""
    from bot.dingtalk.adapter import dingtalk_platform
    from credit_domain.orgs.people import find_person, link_identity

    wecom_key = aes_key()
    rt = make_runtime(
        dispatcher=False, public_url="https://credit.example.cn",
        wecom_corp_id=fake_wecom.corp_id, wecom_agent_id=fake_wecom.agent_id,
        wecom_secret=fake_wecom.secret, wecom_token="callback-token",
        wecom_encoding_aes_key=wecom_key,
        wecom_api_url=f"{fake_wecom.url}/cgi-bin/",  # type: ignore[attr-defined]
        wecom_channels="credit-alerts=wrcredit-alerts",
        dingtalk_client_id=fake_dingtalk.client_id,
        dingtalk_client_secret=fake_dingtalk.client_secret,
        dingtalk_api_url=fake_dingtalk.url, dingtalk_oapi_url=fake_dingtalk.url,
        dingtalk_robot_webhook=f"{fake_dingtalk.url}/robot/send?access_token=grouptoken",
        dingtalk_robot_secret=fake_dingtalk.webhook_secret,
        dingtalk_card_template_id=fake_dingtalk.template_id,
        dingtalk_channels="credit-alerts=webhook,risk=cidRiskTeam==",
        dingtalk_stream=getattr(request, "param", True))
    seeded = seed(rt.domain)
    with rt.domain.uow() as uow:
        for login in PEOPLE:
            person = find_person(uow.session, login)
            link_identity(uow, person, "wecom", login)
            link_identity(uow, person, "dingtalk", login)
        uow.commit()
    platform = dingtalk_platform(rt)
    assert platform is not None
    if platform.stream is not None:
        platform.stream.backoff_base, platform.stream.backoff_max = 0.05, 0.2
    caller = WeComCaller("callback-token", wecom_key, fake_wecom.corp_id, fake_wecom.agent_id)

    def recorded(platform: str) -> Any:
        from bot.platform_support.refs import SentCards

        return lambda handle: SentCards(rt.domain, platform).by_handle(handle) is not None

    with ServedApp(create_app(rt), lifespan="on") as served:
        setup = DingTalkSetup(fake_dingtalk, rt, served.url, "", "")
        yield Platforms(
            rt, served.url, seeded,
            WeComChat(fake_wecom, caller, served.url, recorded=recorded("wecom")),
            DingTalkChat(fake_dingtalk, recorded=recorded("dingtalk")),
            DingTalkChat(fake_dingtalk, http=setup.robot_post, recorded=recorded("dingtalk")))
    if platform.api is not None:
        platform.api.close()

