"""Wiring: a :class:`DingTalkPlatform` on the runtime when DingTalk is configured, joined to
the conversation pipeline (inbound) and the chat notifier (an outlet for people, the group
robot and the groups of ``DINGTALK_CHANNELS``); the Stream client started with the server
(Stream mode on by default); ``POST /dingtalk/robot`` (the robot's HTTP mode) with the app
credentials; ``POST /dingtalk/callback`` when the event-subscription token and AES key are
set."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter

from bot.bootstrap import Runtime, runtime_hook
from bot.dingtalk.api import DingTalkApi
from bot.dingtalk.callback import EventCallback, RobotEndpoint, dingtalk_router
from bot.dingtalk.crypto import DingTalkCrypto
from bot.dingtalk.inbound import DingTalkInbound
from bot.dingtalk.sender import PLATFORM, DingTalkSender
from bot.dingtalk.stream import StreamClient, StreamRunner, build_stream_client
from bot.platform_support.conversations import add_outlet, connect
from bot.platform_support.inbound import Deliveries, background_work, inbound_handler
from bot.platform_support.refs import SentCards
from bot.platform_support.senders import register_sender
from bot.platform_support.tokens import TokenStore
from bot.web.app import web_routes

EXTRAS_KEY = "dingtalk"


@dataclass
class DingTalkPlatform:
    api: DingTalkApi | None
    sender: DingTalkSender | None
    inbound: DingTalkInbound
    stream: StreamClient | None
    robot: RobotEndpoint | None
    callback: EventCallback | None


def build_api(runtime: Runtime) -> DingTalkApi:
    s = runtime.settings
    assert s.dingtalk_client_id and s.dingtalk_client_secret
    return DingTalkApi(client_id=s.dingtalk_client_id,
                       client_secret=s.dingtalk_client_secret.get_secret_value(),
                       api_url=s.dingtalk_api_url, oapi_url=s.dingtalk_oapi_url,
                       tokens=TokenStore(runtime.domain))


@runtime_hook
def install_dingtalk(runtime: Runtime) -> None:
    s = runtime.settings
    if not (s.dingtalk_enabled or s.dingtalk_callback_enabled or s.dingtalk_robot_webhook):
        return
    sent = SentCards(runtime.domain, PLATFORM)
    api = build_api(runtime) if s.dingtalk_enabled else None
    sender = None
    if api is not None or s.dingtalk_robot_webhook:
        api = api or DingTalkApi(client_id="", client_secret="", api_url=s.dingtalk_api_url,
                                 oapi_url=s.dingtalk_oapi_url, tokens=TokenStore(runtime.domain))
        sender = DingTalkSender(
            api, sent, runtime.domain,
            robot_code=s.dingtalk_robot_code or s.dingtalk_client_id or "",
            card_template_id=s.dingtalk_card_template_id, stream=s.dingtalk_stream_enabled,
            webhook=s.dingtalk_robot_webhook.get_secret_value()
            if s.dingtalk_robot_webhook else None,
            webhook_secret=s.dingtalk_robot_secret.get_secret_value()
            if s.dingtalk_robot_secret else None)
    inbound = DingTalkInbound(deliveries=Deliveries(runtime.domain, "dingtalk-in"), sent=sent,
                              sender=sender, work=background_work(runtime),
                              handler=lambda: inbound_handler(runtime),
                              corp_id=s.dingtalk_corp_id)
    stream = None
    if s.dingtalk_stream_enabled:
        assert s.dingtalk_client_id and s.dingtalk_client_secret
        stream = build_stream_client(inbound, client_id=s.dingtalk_client_id,
                                     client_secret=s.dingtalk_client_secret.get_secret_value(),
                                     api_url=s.dingtalk_api_url)
        runtime.background.append(StreamRunner(stream))
    robot_endpoint = None
    if s.dingtalk_enabled:
        assert s.dingtalk_client_secret
        robot_endpoint = RobotEndpoint(s.dingtalk_client_secret.get_secret_value(), inbound,
                                       Deliveries(runtime.domain, "dingtalk-sig"))
    callback = None
    if s.dingtalk_callback_enabled:
        assert s.dingtalk_token and s.dingtalk_aes_key and s.dingtalk_client_id
        callback = EventCallback(DingTalkCrypto(s.dingtalk_token.get_secret_value(),
                                                s.dingtalk_aes_key.get_secret_value(),
                                                s.dingtalk_client_id))
    connect(runtime)
    if sender is not None:
        register_sender(runtime, sender)
        add_outlet(runtime, sender, s.dingtalk_channel_map())
    runtime.extras[EXTRAS_KEY] = DingTalkPlatform(api if s.dingtalk_enabled else None, sender,
                                                  inbound, stream, robot_endpoint, callback)


def dingtalk_platform(runtime: Runtime) -> DingTalkPlatform | None:
    platform = runtime.extras.get(EXTRAS_KEY)
    return platform if isinstance(platform, DingTalkPlatform) else None


@web_routes
def dingtalk_routes(runtime: Runtime) -> APIRouter:
    platform = dingtalk_platform(runtime)
    if platform is None:
        return APIRouter()
    return dingtalk_router(platform.robot, platform.callback)
