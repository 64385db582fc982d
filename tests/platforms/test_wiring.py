"""What a deployment gets from its settings: routes and senders only for configured
platforms, and the seam the conversation pipeline plugs into."""

from __future__ import annotations

from typing import Any

import httpx

from bot.messages import Reply
from bot.platform_support.inbound import inbound_handler, not_connected, set_inbound_handler
from bot.platform_support.senders import platform_senders
from bot.web.app import create_app
from tests.platforms.conftest import Recorder, WeComSetup, aes_key
from tests.platforms.fake_server import ServedApp


def test_nothing_platform_specific_without_credentials(make_runtime: Any) -> None:
    rt = make_runtime()
    assert platform_senders(rt) == {} and inbound_handler(rt) is not_connected
    with ServedApp(create_app(rt)) as served:
        assert httpx.post(f"{served.url}/wecom/callback").status_code in (404, 405)
        assert httpx.post(f"{served.url}/dingtalk/callback").status_code in (404, 405)


def test_a_callback_without_api_credentials_still_verifies(make_runtime: Any) -> None:
    rt = make_runtime(wecom_corp_id="wwcorp", wecom_token="t", wecom_encoding_aes_key=aes_key(),
                      dingtalk_client_id="dingapp", dingtalk_token="t", dingtalk_aes_key=aes_key())
    assert platform_senders(rt) == {}
    with ServedApp(create_app(rt)) as served:
        assert httpx.get(f"{served.url}/wecom/callback").status_code == 403
        assert httpx.post(f"{served.url}/dingtalk/callback", content=b"{}").status_code == 403


def test_the_pipeline_plugs_in_once_for_every_platform(wecom: WeComSetup, recorder: Recorder
                                                       ) -> None:
    senders = platform_senders(wecom.runtime)
    assert sorted(senders) == ["wecom"]
    assert senders["wecom"].capabilities.update_in_place
    other = Recorder(script=lambda e: [Reply(text="from the new pipeline")])
    set_inbound_handler(wecom.runtime, other)
    params, body = wecom.caller.envelope(wecom.caller.text("zhangsan", "help", msg_id=77))
    assert httpx.post(f"{wecom.url}/wecom/callback", params=params, content=body).is_success
    from tests.platforms.fake_server import wait_for

    wait_for(lambda: wecom.fake.sent)
    assert recorder.events == [] and len(other.events) == 1


def test_credentials_alone_join_both_platforms_to_the_conversations_and_the_notifier(
        make_runtime: Any) -> None:
    from bot.delivery import outlets
    from bot.platform_support.conversations import SenderOutlet

    rt = make_runtime(wecom_corp_id="wwcorp", wecom_agent_id=1000002, wecom_secret="s",
                      wecom_token="t", wecom_encoding_aes_key=aes_key(),
                      wecom_channels="credit-alerts=wrAlerts,#risk=wrRisk",
                      dingtalk_client_id="dingapp", dingtalk_client_secret="s",
                      dingtalk_card_template_id="tpl.schema",
                      dingtalk_channels="credit-alerts=webhook,*=cidAll+x/y==")
    assert inbound_handler(rt) is not not_connected
    found = outlets(rt)
    assert sorted(found) == ["dingtalk", "wecom"]
    wecom, dingtalk = found["wecom"], found["dingtalk"]
    assert isinstance(wecom, SenderOutlet) and isinstance(dingtalk, SenderOutlet)
    assert (wecom.channel_conversation("credit-alerts"), wecom.channel_conversation("risk"),
            wecom.channel_conversation("credit-weekly")) == ("wrAlerts", "wrRisk", None)
    assert (dingtalk.channel_conversation("credit-alerts"),
            dingtalk.channel_conversation("credit-weekly")) == ("webhook", "cidAll+x/y==")
    for outlet in (wecom, dingtalk):  # Chinese for whoever chose no language; cards tap back
        assert outlet.capabilities.default_locale == "zh_CN"
        assert outlet.capabilities.buttons_call_back and not outlet.capabilities.forms


def test_without_a_way_back_cards_are_not_offered_as_tappable(make_runtime: Any) -> None:
    """WeCom without its callback URL, DingTalk without Stream mode: a tapped button would
    reach nobody, so the platforms say their buttons do not call back (the pipeline then
    numbers a card's choices and the person answers with a number)."""
    rt = make_runtime(wecom_corp_id="wwcorp", wecom_agent_id=1000002, wecom_secret="s",
                      dingtalk_client_id="dingapp", dingtalk_client_secret="s",
                      dingtalk_card_template_id="tpl.schema", dingtalk_stream=False)
    senders = platform_senders(rt)
    assert not senders["wecom"].capabilities.buttons_call_back
    assert not senders["dingtalk"].capabilities.buttons_call_back
