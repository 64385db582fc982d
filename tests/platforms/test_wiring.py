"""What a deployment gets from its settings: routes and senders only for configured
platforms, and the seam the conversation pipeline plugs into."""

from __future__ import annotations

import httpx

from bot.messages import Reply
from bot.platform_support.inbound import inbound_handler, not_connected, set_inbound_handler
from bot.platform_support.senders import platform_senders
from bot.web.app import create_app
from tests.platforms.conftest import Recorder, WeComSetup, aes_key
from tests.platforms.fake_server import ServedApp


def test_nothing_platform_specific_without_credentials(make_runtime) -> None:
    rt = make_runtime()
    assert platform_senders(rt) == {} and inbound_handler(rt) is not_connected
    with ServedApp(create_app(rt)) as served:
        assert httpx.post(f"{served.url}/wecom/callback").status_code in (404, 405)
        assert httpx.post(f"{served.url}/dingtalk/callback").status_code in (404, 405)


def test_a_callback_without_api_credentials_still_verifies(make_runtime) -> None:
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
