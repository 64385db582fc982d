"""DingTalk's HTTP side: the event callback (dingtalk-sdk crypto with DingTalk's published
vector), robot Markdown messages, signed group-robot webhooks and token refresh, as the fake
received them."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from bot.dingtalk import robot
from bot.dingtalk.adapter import dingtalk_platform
from bot.dingtalk.crypto import CallbackRejected, DingTalkCrypto
from bot.dingtalk.sender import DingTalkSender
from bot.messages import Card, Command, Field, Reply
from credit_domain.outbox.port import DeliveryFailed
from tests.platforms.conftest import DingTalkSetup, Recorder, aes_key
from tests.platforms.fake_server import wait_for

# DingTalk's documented callback example (also dingtalk-sdk's test vector).
VECTOR = {"token": "123456", "aes_key": "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij",
          "owner": "suite4xxxxxxxxxxxxxxx", "signature": "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0",
          "timestamp": "1445827045067", "nonce": "nEXhMP4r",
          "encrypt": "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+Oz"
                     "rHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/"
                     "D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ=="}


def sender_of(d: DingTalkSetup) -> DingTalkSender:
    platform = dingtalk_platform(d.runtime)
    assert platform is not None and platform.sender is not None
    return platform.sender


# -- the callback crypto -----------------------------------------------------------------------
def test_the_published_vector_decrypts() -> None:
    crypto = DingTalkCrypto(VECTOR["token"], VECTOR["aes_key"], VECTOR["owner"])
    event = crypto.decrypt(json.dumps({"encrypt": VECTOR["encrypt"]}).encode(),
                           VECTOR["signature"], VECTOR["timestamp"], VECTOR["nonce"])
    assert event == {"EventType": "check_create_suite_url", "Random": "LPIdSnlF",
                     "TestSuiteKey": "suite4xxxxxxxxxxxxxxx"}


@pytest.mark.parametrize("change", ["nonce", "owner key", "ciphertext"])
def test_the_vector_altered_is_rejected(change: str) -> None:
    owner = "suite4yyyyyyyyyyyyyyy" if change == "owner key" else VECTOR["owner"]
    nonce = "nEXhMP4s" if change == "nonce" else VECTOR["nonce"]
    encrypt = VECTOR["encrypt"].replace("1a3N", "1a3M") if change == "ciphertext" else VECTOR[
        "encrypt"]
    crypto = DingTalkCrypto(VECTOR["token"], VECTOR["aes_key"], owner)
    with pytest.raises(CallbackRejected):
        crypto.decrypt(json.dumps({"encrypt": encrypt}).encode(), VECTOR["signature"],
                       VECTOR["timestamp"], nonce)


def test_the_url_check_is_answered_with_encrypted_success(dingtalk: DingTalkSetup) -> None:
    params, body = dingtalk.encrypted({"EventType": "check_url"})
    answer = httpx.post(f"{dingtalk.url}/dingtalk/callback", params=params, content=body)
    assert answer.status_code == 200
    sealed = answer.json()
    assert sealed["timeStamp"] == params["timestamp"] and sealed["nonce"] == params["nonce"]
    from dingtalk.crypto import DingTalkCrypto as SdkCrypto

    plain = SdkCrypto(dingtalk.token, dingtalk.aes_key, dingtalk.fake.client_id
                      ).decrypt_encrypt_str(sealed["msg_signature"], sealed["timeStamp"],
                                            sealed["nonce"], sealed["encrypt"])
    assert plain == "success"


@pytest.mark.parametrize("attack", ["tampered", "bad signature", "wrong owner key", "stale key"])
def test_forged_callbacks_are_refused(dingtalk: DingTalkSetup, recorder: Recorder,
                                      attack: str) -> None:
    event = dingtalk.fake.robot_message("zhangsan", "apply 华为 20万", "msgH1")
    params, body = dingtalk.encrypted(event, owner_key="dingotherapp" if attack ==
                                      "wrong owner key" else None,
                                      aes_key=aes_key() if attack == "stale key" else None)
    if attack == "tampered":
        body = body.replace(b'"encrypt": "', b'"encrypt": "QUFB')
    elif attack == "bad signature":
        params["signature"] = "0" * 40
    answer = httpx.post(f"{dingtalk.url}/dingtalk/callback", params=params, content=body)
    assert answer.status_code == 403
    time.sleep(0.2)
    assert recorder.events == []


def test_robot_messages_over_http_are_handled_once(dingtalk: DingTalkSetup,
                                                   recorder: Recorder) -> None:
    recorder.script = lambda e: [Reply(text="好的")]
    message = dingtalk.fake.robot_message("zhangsan", "我的申请", "msgH2")
    first = dingtalk.robot_post(message)
    again = dingtalk.robot_post(message, timestamp_ms=int(time.time() * 1000) + 7)  # a retry
    assert [r.status_code for r in (first, again)] == [200, 200]
    wait_for(lambda: dingtalk.fake.session_messages)
    time.sleep(0.2)
    assert [e.text for e in recorder.events if isinstance(e, Command)] == ["我的申请"]


def test_an_answer_never_goes_to_a_session_webhook_off_dingtalk(dingtalk: DingTalkSetup,
                                                               recorder: Recorder) -> None:
    recorder.script = lambda e: [Reply(text="华为 可用额度 ¥40万")]
    received: list[str] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"errcode":0}')

    elsewhere = HTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    message = {**dingtalk.fake.robot_message("zhangsan", "额度 华为", "msgH9"),
               "sessionWebhook": f"http://127.0.0.1:{elsewhere.server_port}/robot/session/x"}
    assert dingtalk.robot_post(message).status_code == 200
    wait_for(lambda: dingtalk.fake.robot_messages)  # answered through DingTalk's OpenAPI
    [sent] = dingtalk.fake.robot_messages
    assert sent["userIds"] == ["zhangsan"] and "¥40万" in json.dumps(sent, ensure_ascii=False)
    assert dingtalk.fake.session_messages == [] and received == []
    elsewhere.shutdown()


@pytest.mark.parametrize("attack", ["wrong secret", "stale", "future", "no headers"])
def test_robot_requests_without_dingtalks_sign_are_refused(dingtalk: DingTalkSetup,
                                                           recorder: Recorder,
                                                           attack: str) -> None:
    message = dingtalk.fake.robot_message("zhangsan", "额度 华为", "msgH3")
    now = int(time.time() * 1000)
    if attack == "wrong secret":
        answer = dingtalk.robot_post(message, secret="not-the-app-secret")
    elif attack == "stale":
        answer = dingtalk.robot_post(message, timestamp_ms=now - 3_601_000)
    elif attack == "future":
        answer = dingtalk.robot_post(message, timestamp_ms=now + 3_601_000)
    else:
        answer = httpx.post(f"{dingtalk.url}/dingtalk/robot", json=message)
    assert answer.status_code == 403
    time.sleep(0.2)
    assert recorder.events == []


def test_a_signature_is_used_once_since_it_does_not_cover_the_body(
        dingtalk: DingTalkSetup, recorder: Recorder) -> None:
    headers = dingtalk.robot_headers()
    genuine = dingtalk.fake.robot_message("zhangsan", "额度 华为", "msgH4")
    forged = dingtalk.fake.robot_message("zhangsan", "额度 华为技术", "msgH5")
    for message in (genuine, forged):
        assert httpx.post(f"{dingtalk.url}/dingtalk/robot", json=message,
                          headers=headers).status_code == 200
    wait_for(lambda: recorder.events)
    time.sleep(0.2)
    assert [e.text for e in recorder.events if isinstance(e, Command)] == ["额度 华为"]


def test_the_event_subscription_does_not_take_robot_messages(dingtalk: DingTalkSetup,
                                                             recorder: Recorder) -> None:
    """DingTalk never sends robot messages to the event subscription: one arriving there
    is acknowledged and not acted on."""
    params, body = dingtalk.encrypted(dingtalk.fake.robot_message("zhangsan", "help", "msgH6"))
    answer = httpx.post(f"{dingtalk.url}/dingtalk/callback", params=params, content=body)
    assert answer.status_code == 200 and "encrypt" in answer.json()
    time.sleep(0.2)
    assert recorder.events == []


# -- outbound ----------------------------------------------------------------------------------
def notice() -> Card:
    return Card(title="额度即将到期", tone="warn",
                fields=(Field("客户", "华为技术"), Field("临时额度", "¥100,000.00")),
                footer="请在 3 月 31 日前处理")


def test_notices_go_to_people_as_robot_markdown(dingtalk: DingTalkSetup) -> None:
    ref = sender_of(dingtalk).send_direct("zhangsan", Reply(card=notice()))
    [message] = dingtalk.fake.robot_messages
    param = json.loads(message["msgParam"])
    assert message["msgKey"] == "sampleMarkdown" and message["userIds"] == ["zhangsan"]
    assert message["robotCode"] == dingtalk.fake.client_id
    assert param["title"] == "额度即将到期"
    assert "**临时额度**: ¥100,000.00\n\n请在 3 月 31 日前处理" in param["text"]
    assert ref["process_query_key"].startswith("pq-")
    dingtalk.fake.unknown_users.add("ghost")
    with pytest.raises(DeliveryFailed) as failed:
        sender_of(dingtalk).send_direct("ghost", Reply(text="x"))
    assert failed.value.permanent


def test_alert_channels_use_the_signed_group_robot(dingtalk: DingTalkSetup) -> None:
    sender = sender_of(dingtalk)
    sender.send_channel("webhook", Reply(card=notice()))
    [message] = dingtalk.fake.webhook_messages
    assert message["msgtype"] == "markdown" and message["markdown"]["title"] == "额度即将到期"
    sender.webhook_secret = "SECwrong"
    with pytest.raises(DeliveryFailed) as failed:
        sender.send_channel("webhook", Reply(text="x"))
    assert failed.value.permanent and len(dingtalk.fake.webhook_messages) == 1


def test_a_group_conversation_gets_robot_messages(dingtalk: DingTalkSetup) -> None:
    sender_of(dingtalk).send_channel("cidCreditTeam==", Reply(text="月度账龄报告已生成"))
    [message] = dingtalk.fake.group_messages
    assert message["openConversationId"] == "cidCreditTeam=="
    assert json.loads(message["msgParam"]) == {"content": "月度账龄报告已生成"}


def test_the_webhook_signature_follows_dingtalks_formula() -> None:
    import base64
    import hashlib
    import hmac
    from urllib.parse import parse_qs, urlsplit

    url = robot.signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECx",
                           1700000000000)
    query = parse_qs(urlsplit(url).query)
    digest = hmac.new(b"SECx", b"1700000000000\nSECx", hashlib.sha256).digest()
    assert query["timestamp"] == ["1700000000000"] and query["access_token"] == ["abc"]
    assert query["sign"] == [base64.b64encode(digest).decode()]
    assert robot.signed_url("https://x/robot/send?access_token=abc", None, 1) == (
        "https://x/robot/send?access_token=abc")


def test_an_expired_token_is_replaced_once(dingtalk: DingTalkSetup) -> None:
    sender = sender_of(dingtalk)
    sender.send_direct("zhangsan", Reply(text="before"))
    dingtalk.fake.expire_tokens()
    sender.send_direct("zhangsan", Reply(text="after"))
    assert dingtalk.fake.token_requests == 2
    assert [json.loads(m["msgParam"])["content"] for m in dingtalk.fake.robot_messages] == [
        "before", "after"]


def test_cards_for_several_approvers_are_all_updated(dingtalk: DingTalkSetup) -> None:
    from tests.platforms.test_dingtalk_stream import approval_card, decided_card

    sender = sender_of(dingtalk)
    for user in ("wangfang", "lisi"):
        sender.send_direct(user, Reply(card=approval_card()))
    assert sender.update_card(decided_card()) == {"updated": 2, "resent": 0}
    assert {u["cardData"]["cardParamMap"]["status"] for u in dingtalk.fake.card_updates} == {
        "已批准 · 王芳"}


def test_a_card_that_cannot_be_updated_is_sent_again_where_it_was(
        dingtalk: DingTalkSetup) -> None:
    from tests.platforms.test_dingtalk_stream import approval_card, decided_card

    sender = sender_of(dingtalk)
    sender.send_direct("wangfang", Reply(card=approval_card()))
    sender.send_channel("cidApprovers==", Reply(card=approval_card()))
    group_card = next(c for c in dingtalk.fake.cards.values()
                      if c["openSpaceId"] == "dtv1.card//IM_GROUP.cidApprovers==")
    assert group_card["imGroupOpenDeliverModel"] == {"robotCode": dingtalk.fake.client_id}
    dingtalk.fake.cards.clear()  # DingTalk no longer knows the instances
    assert sender.update_card(decided_card()) == {"updated": 0, "resent": 2}
    assert [m["userIds"] for m in dingtalk.fake.robot_messages] == [["wangfang"]]
    assert [m["openConversationId"] for m in dingtalk.fake.group_messages] == ["cidApprovers=="]
