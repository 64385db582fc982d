"""WeCom's callback URL, end to end: encrypted requests to creditbot's real HTTP endpoint,
answers and API calls as WeCom (the fake) received them."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from bot.messages import Button, Card, CardAction, Command, Field, Reply
from bot.wecom.adapter import wecom_platform
from bot.wecom.crypto import CallbackRejected, WeComCrypto
from credit_domain.clock import FrozenClock
from tests.platforms.conftest import Recorder, WeComSetup, aes_key
from tests.platforms.fake_server import wait_for
from tests.platforms.fake_wecom import WeComCaller

# Tencent's published WXBizMsgCrypt sample (weworkapi callback Sample.py).
SAMPLE_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
SAMPLE_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
SAMPLE_CORP = "ww1436e0e65a779aee"
SAMPLE_VERIFY = {"msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
                 "timestamp": "1476416373", "nonce": "47744683",
                 "echostr": "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/"
                            "3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="}
SAMPLE_POST_QUERY = {"msg_signature": "0c3914025cb4b4d68103f6bfc8db550f79dcf48e",
                     "timestamp": "1476422779", "nonce": "1597212914"}
SAMPLE_POST_BODY = (
    "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA["
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkA"
    "gGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQ"
    "bZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmE"
    "bU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/ox"
    "waWbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>")


def approval_card(key: str = "application:42") -> Card:
    return Card(title="授信申请 APP-42", subtitle="华为技术 · ¥200,000.00",
                fields=(Field("客户", "华为技术"), Field("金额", "¥200,000.00")),
                buttons=(Button("批准", "approve", {"application": "42"}, style="primary"),
                         Button("拒绝", "reject", {"application": "42"}, style="danger",
                                needs_reason=True)),
                key=key)


def decided_card() -> Card:
    return Card(title="授信申请 APP-42", subtitle="已批准 · 王芳", tone="ok",
                fields=(Field("客户", "华为技术"),), key="application:42")


def post(w: WeComSetup, xml: str, **kw: str) -> httpx.Response:
    params, body = w.caller.envelope(xml, **kw)
    return httpx.post(f"{w.url}/wecom/callback", params=params, content=body, timeout=10)


# -- the crypto: Tencent's sample vectors ------------------------------------------------------
def test_the_published_sample_verifies_and_decrypts() -> None:
    crypto = WeComCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_CORP)
    assert crypto.verify_url(*SAMPLE_VERIFY.values()) == "1288432023552776189"
    message = crypto.decrypt(SAMPLE_POST_BODY.encode(), *SAMPLE_POST_QUERY.values())
    assert (message["FromUserName"], message["Content"], message["MsgId"]) == (
        "ChenJiaShun", "你好", "1456453720")


@pytest.mark.parametrize("change", ["signature", "nonce", "ciphertext", "corp"])
def test_the_sample_altered_in_any_way_is_rejected(change: str) -> None:
    query = dict(SAMPLE_POST_QUERY)
    body, corp = SAMPLE_POST_BODY, SAMPLE_CORP
    if change == "signature":
        query["msg_signature"] = "0" * 40
    elif change == "nonce":
        query["nonce"] = "1597212915"
    elif change == "ciphertext":
        body = body.replace("Kl7kjoSf6", "Kl7kjoSf7")
    else:
        corp = "ww0000000000000000"
    with pytest.raises(CallbackRejected):
        WeComCrypto(SAMPLE_TOKEN, SAMPLE_KEY, corp).decrypt(body.encode(), *query.values())


def test_url_verification_through_the_endpoint_with_the_sample(make_runtime: Any) -> None:
    from bot.web.app import create_app
    from tests.platforms.fake_server import ServedApp

    rt = make_runtime(wecom_corp_id=SAMPLE_CORP, wecom_token=SAMPLE_TOKEN,
                      wecom_encoding_aes_key=SAMPLE_KEY)
    platform = wecom_platform(rt)
    assert platform is not None and platform.callback is not None
    with ServedApp(create_app(rt)) as served:
        ok = httpx.get(f"{served.url}/wecom/callback", params=SAMPLE_VERIFY)
        bad = httpx.get(f"{served.url}/wecom/callback",
                        params={**SAMPLE_VERIFY, "nonce": "47744684"})
        replayed = httpx.post(f"{served.url}/wecom/callback", params=SAMPLE_POST_QUERY,
                              content=SAMPLE_POST_BODY.encode())
        platform.callback.clock = lambda: int(SAMPLE_POST_QUERY["timestamp"]) + 2.0
        sample = httpx.post(f"{served.url}/wecom/callback", params=SAMPLE_POST_QUERY,
                            content=SAMPLE_POST_BODY.encode())
    assert (ok.status_code, ok.text) == (200, "1288432023552776189")
    assert bad.status_code == 403
    assert replayed.status_code == 403  # signed in 2016: a replay, refused by its timestamp
    assert sample.status_code == 200  # the same request when it was fresh


# -- inbound messages --------------------------------------------------------------------------
def test_a_text_message_reaches_the_handler_and_is_answered(wecom: WeComSetup,
                                                            recorder: Recorder) -> None:
    recorder.script = lambda e: [Reply(text=f"收到：{e.text}")] if isinstance(e, Command) else []
    started = time.monotonic()
    answer = post(wecom, wecom.caller.text("zhangsan", "额度 华为", msg_id=9001))
    assert answer.status_code == 200 and answer.text == ""
    assert time.monotonic() - started < 2
    sent = wait_for(lambda: wecom.fake.sent)
    command = recorder.events[0]
    assert isinstance(command, Command)
    assert (command.text, command.envelope.user_id, command.envelope.platform) == (
        "额度 华为", "zhangsan", "wecom")
    assert sent[0]["touser"] == "zhangsan" and sent[0]["text"]["content"] == "收到：额度 华为"


@pytest.mark.parametrize("attack", ["tampered", "bad signature", "wrong corp id", "stale key",
                                    "replayed after an hour"])
def test_forged_callbacks_are_refused_and_change_nothing(wecom: WeComSetup, recorder: Recorder,
                                                         attack: str) -> None:
    xml = wecom.caller.text("zhangsan", "apply 华为 20万", msg_id=9002)
    params, body = wecom.caller.envelope(xml)
    if attack == "tampered":
        body = body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[AAAA")
    elif attack == "bad signature":
        params["msg_signature"] = "f" * 40
    elif attack == "wrong corp id":
        other = WeComCaller("callback-token", aes_key(), "wwsomeothercorp", 1000002)
        other.crypto = type(wecom.caller.crypto)("callback-token", _key_of(wecom),
                                                 "wwsomeothercorp")
        params, body = other.envelope(xml)
    elif attack == "stale key":
        params, body = WeComCaller("callback-token", aes_key(), wecom.fake.corp_id,
                                   1000002).envelope(xml)
    else:  # correctly signed, captured, and sent again later
        params, body = wecom.caller.envelope(xml, timestamp=str(int(time.time()) - 3700))
    answer = httpx.post(f"{wecom.url}/wecom/callback", params=params, content=body)
    assert answer.status_code == 403
    time.sleep(0.2)
    assert recorder.events == [] and wecom.fake.sent == []


def _key_of(w: WeComSetup) -> str:
    key = w.runtime.settings.wecom_encoding_aes_key
    return str(key.get_secret_value())


def test_replays_and_retries_are_taken_in_once(wecom: WeComSetup, recorder: Recorder) -> None:
    xml = wecom.caller.text("zhangsan", "pending", msg_id=9003)
    params, body = wecom.caller.envelope(xml)
    first = httpx.post(f"{wecom.url}/wecom/callback", params=params, content=body)
    replay = httpx.post(f"{wecom.url}/wecom/callback", params=params, content=body)
    retry = post(wecom, xml)  # WeCom's retry: new nonce and signature, same MsgId
    assert [r.status_code for r in (first, replay, retry)] == [200, 200, 200]
    wait_for(lambda: recorder.events)
    time.sleep(0.2)
    assert len(recorder.events) == 1


# -- cards -------------------------------------------------------------------------------------
def send_card(w: WeComSetup, user: str = "wangfang") -> dict[str, object]:
    platform = wecom_platform(w.runtime)
    assert platform is not None and platform.sender is not None
    return platform.sender.send_direct(user, Reply(card=approval_card()), person_id=None)


def test_an_approval_card_goes_out_as_a_button_template_card(wecom: WeComSetup) -> None:
    ref = send_card(wecom)
    [message] = wecom.fake.sent
    card = message["template_card"]
    assert message["msgtype"] == "template_card" and message["touser"] == "wangfang"
    assert card["card_type"] == "button_interaction" and card["task_id"] == ref["task_id"]
    assert card["main_title"] == {"title": "授信申请 APP-42", "desc": "华为技术 · ¥200,000.00"}
    assert card["horizontal_content_list"][1] == {"keyname": "金额", "value": "¥200,000.00"}
    assert [(b["text"], b["key"], b["style"]) for b in card["button_list"]] == [
        ("批准", "approve?application=42", 1), ("拒绝", "reject?application=42", 2)]


def click(w: WeComSetup, user: str = "wangfang", key: str = "approve?application=42"
          ) -> tuple[httpx.Response, str]:
    task_id = w.fake.template_cards()[-1]["template_card"]["task_id"]
    code = w.fake.issue_code(task_id, user)
    params, body = w.caller.envelope(w.caller.card_click(user, task_id, key, code))
    return httpx.post(f"{w.url}/wecom/callback", params=params, content=body), code


def test_a_click_decided_in_time_updates_the_card_in_the_passive_reply(
        wecom: WeComSetup, recorder: Recorder) -> None:
    recorder.script = lambda e: [Reply(card=decided_card(), replace_original=True)]
    send_card(wecom)
    answer, _code = click(wecom)
    assert answer.status_code == 200
    action = recorder.events[0]
    assert isinstance(action, CardAction)
    assert (action.action_id, dict(action.value)) == ("approve", {"application": "42"})
    assert action.message_ref is not None and action.message_ref["card_key"] == "application:42"
    reply = wecom.caller.decrypt_reply(answer.content)
    assert reply["MsgType"] == "update_button"
    assert reply["Button"]["ReplaceName"] == "已批准 · 王芳"
    assert reply["ToUserName"] == "wangfang"
    assert wecom.fake.updates == []


def test_a_slow_decision_updates_the_card_with_the_clicks_response_code(
        wecom: WeComSetup, recorder: Recorder) -> None:
    platform = wecom_platform(wecom.runtime)
    assert platform is not None and platform.callback is not None
    platform.callback.window = 0.2
    recorder.delay = 0.6
    recorder.script = lambda e: [Reply(card=decided_card(), replace_original=True)]
    send_card(wecom)
    started = time.monotonic()
    answer, code = click(wecom)
    assert answer.status_code == 200 and answer.text == ""
    assert time.monotonic() - started < 0.6
    [update] = wait_for(lambda: wecom.fake.updates)
    assert update["response_code"] == code and update["userids"] == ["wangfang"]
    card = update["template_card"]
    assert card["replace_text"] == "已批准 · 王芳"
    assert [b["text"] for b in card["button_list"]] == ["批准", "拒绝"]


def test_a_card_whose_response_code_is_spent_is_sent_again(wecom: WeComSetup) -> None:
    platform = wecom_platform(wecom.runtime)
    assert platform is not None and platform.sender is not None
    send_card(wecom, "wangfang")
    send_card(wecom, "lisi")
    first = platform.sender.update_card(decided_card())
    assert first == {"updated": 2, "resent": 0}
    assert sorted(u["userids"][0] for u in wecom.fake.updates) == ["lisi", "wangfang"]
    again = platform.sender.update_card(decided_card())  # the codes are single use
    assert again == {"updated": 0, "resent": 2}
    resent = [m for m in wecom.fake.sent if m["msgtype"] == "markdown"]
    assert sorted(m["touser"] for m in resent) == ["lisi", "wangfang"]
    assert "已批准 · 王芳" in resent[0]["markdown"]["content"]


def test_a_code_the_platform_no_longer_honours_falls_back_to_a_new_message(
        wecom: WeComSetup) -> None:
    platform = wecom_platform(wecom.runtime)
    assert platform is not None and platform.sender is not None
    send_card(wecom)
    wecom.fake.invalidate_codes()
    assert platform.sender.update_card(decided_card()) == {"updated": 0, "resent": 1}


def test_a_code_older_than_72_hours_is_not_used(wecom: WeComSetup, clock: FrozenClock) -> None:
    platform = wecom_platform(wecom.runtime)
    assert platform is not None and platform.sender is not None
    send_card(wecom)
    clock.advance(hours=73)
    assert platform.sender.update_card(decided_card()) == {"updated": 0, "resent": 1}
    assert wecom.fake.updates == []


def test_a_replayed_click_is_taken_in_once_and_a_forged_one_refused(
        wecom: WeComSetup, recorder: Recorder) -> None:
    send_card(wecom)
    task_id = wecom.fake.template_cards()[-1]["template_card"]["task_id"]
    xml = wecom.caller.card_click("wangfang", task_id, "approve?application=42",
                                  wecom.fake.issue_code(task_id, "wangfang"), created=1772413200)
    params, body = wecom.caller.envelope(xml)
    assert httpx.post(f"{wecom.url}/wecom/callback", params=params, content=body).is_success
    assert httpx.post(f"{wecom.url}/wecom/callback", params=params, content=body).is_success
    assert post(wecom, xml).is_success  # WeCom's own retry of the same click
    forged = xml.replace("approve?application=42", "approve?application=43")
    params, body = wecom.caller.envelope(forged)
    body = body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[x")
    assert httpx.post(f"{wecom.url}/wecom/callback", params=params, content=body
                      ).status_code == 403
    time.sleep(0.2)
    assert [(e.action_id, dict(e.value)) for e in recorder.events
            if isinstance(e, CardAction)] == [("approve", {"application": "42"})]


def test_a_double_tap_reaches_the_handler_twice_for_the_domain_to_refuse(
        wecom: WeComSetup, recorder: Recorder) -> None:
    """Two taps are two deliveries (different CreateTime): the domain decides once and tells
    the second tap who decided; the transport must not swallow it."""
    send_card(wecom)
    task_id = wecom.fake.template_cards()[-1]["template_card"]["task_id"]
    for created in (1772413200, 1772413201):
        code = wecom.fake.issue_code(task_id, "wangfang")
        xml = wecom.caller.card_click("wangfang", task_id, "approve?application=42", code,
                                      created=created)
        assert post(wecom, xml).is_success
    wait_for(lambda: len(recorder.events) == 2)
