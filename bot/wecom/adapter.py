"""Wiring: a :class:`WeComPlatform` on the runtime when WeCom is configured, joined to the
conversation pipeline (inbound) and the chat notifier (an outlet for people and the group
chats of ``WECOM_CHANNELS``), and the callback route when its token and EncodingAESKey are
set."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter

from bot.bootstrap import Runtime, runtime_hook
from bot.platform_support.conversations import add_outlet, connect
from bot.platform_support.inbound import Deliveries, background_work, inbound_handler
from bot.platform_support.refs import SentCards
from bot.platform_support.senders import register_sender
from bot.platform_support.tokens import TokenStore
from bot.settings import Settings
from bot.web.app import web_routes
from bot.wecom.callback import WeComCallback, wecom_router
from bot.wecom.client import WeComClient
from bot.wecom.crypto import WeComCrypto
from bot.wecom.sender import PLATFORM, WeComSender

EXTRAS_KEY = "wecom"


@dataclass
class WeComPlatform:
    """Everything WeCom in one process: the API client and sender (None without an app
    secret) and the callback (None without token and EncodingAESKey)."""

    client: WeComClient | None
    sender: WeComSender | None
    callback: WeComCallback | None


def build_client(runtime: Runtime) -> WeComClient:
    s: Settings = runtime.settings
    assert s.wecom_corp_id and s.wecom_agent_id and s.wecom_secret
    return WeComClient(corp_id=s.wecom_corp_id, agent_id=s.wecom_agent_id,
                       secret=s.wecom_secret.get_secret_value(), api_url=s.wecom_api_url,
                       tokens=TokenStore(runtime.domain))


@runtime_hook
def install_wecom(runtime: Runtime) -> None:
    s = runtime.settings
    if not (s.wecom_enabled or s.wecom_callback_enabled):
        return
    sent = SentCards(runtime.domain, PLATFORM)
    client = build_client(runtime) if s.wecom_enabled else None
    sender = (WeComSender(client, sent, runtime.domain, callbacks=s.wecom_callback_enabled)
              if client else None)
    callback = None
    if s.wecom_callback_enabled:
        assert s.wecom_token and s.wecom_encoding_aes_key and s.wecom_corp_id
        crypto = WeComCrypto(s.wecom_token.get_secret_value(),
                             s.wecom_encoding_aes_key.get_secret_value(), s.wecom_corp_id)
        callback = WeComCallback(
            crypto=crypto, deliveries=Deliveries(runtime.domain, "wecom-in"), sent=sent,
            sender=sender, work=background_work(runtime),
            handler=lambda: inbound_handler(runtime), agent_id=s.wecom_agent_id)
    runtime.extras[EXTRAS_KEY] = WeComPlatform(client, sender, callback)
    connect(runtime)
    if sender is not None:
        register_sender(runtime, sender)
        add_outlet(runtime, sender, s.wecom_channel_map())


def wecom_platform(runtime: Runtime) -> WeComPlatform | None:
    platform = runtime.extras.get(EXTRAS_KEY)
    return platform if isinstance(platform, WeComPlatform) else None


@web_routes
def wecom_routes(runtime: Runtime) -> APIRouter:
    platform = wecom_platform(runtime)
    if platform is None or platform.callback is None:
        return APIRouter()
    return wecom_router(platform.callback)
