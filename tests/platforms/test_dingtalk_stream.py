"""DingTalk Stream mode with the real dingtalk-stream client against the fake gateway: robot
messages and card clicks acknowledged at once and handled once, cards updated after the
decision, and a stream that drops and comes back."""

from __future__ import annotations

import time

from bot.dingtalk.adapter import dingtalk_platform
from bot.messages import Button, Card, CardAction, Command, Field, Reply
from tests.platforms.conftest import DingTalkSetup, Recorder
from tests.platforms.fake_dingtalk import CARD_TOPIC, ROBOT_TOPIC
from tests.platforms.fake_server import wait_for


def approval_card() -> Card:
    return Card(title="授信申请 APP-7", subtitle="华为技术 · ¥200,000.00",
                fields=(Field("客户", "华为技术"), Field("金额", "¥200,000.00")),
                buttons=(Button("批准", "approve", {"application": "7"}, style="primary"),
                         Button("拒绝", "reject", {"application": "7"}, style="danger")),
                key="application:7")


def decided_card() -> Card:
    return Card(title="授信申请 APP-7", subtitle="已批准 · 王芳", tone="ok",
                fields=(Field("客户", "华为技术"),), key="application:7")


def test_a_robot_message_is_acked_at_once_and_answered_in_its_session(
        dingtalk: DingTalkSetup, recorder: Recorder) -> None:
    recorder.script = lambda e: [Reply(text="华为技术：可用额度 ¥50,000.00")]
    message_id = dingtalk.fake.push(ROBOT_TOPIC, dingtalk.fake.robot_message(
        "zhangsan", " 额度 华为 ", "msgA1"))
    ack = wait_for(lambda: dingtalk.fake.acks)[0]
    assert ack["code"] == 200 and ack["headers"]["messageId"] == message_id
    [answer] = wait_for(lambda: dingtalk.fake.session_messages)
    command = recorder.events[0]
    assert isinstance(command, Command)
    assert (command.text, command.envelope.user_id, command.envelope.is_direct) == (
        "额度 华为", "zhangsan", True)
    assert answer["session"] == "msgA1" and answer["text"]["content"].startswith("华为技术")


def test_a_redelivered_message_is_handled_once(dingtalk: DingTalkSetup,
                                               recorder: Recorder) -> None:
    message = dingtalk.fake.robot_message("zhangsan", "pending", "msgA2")
    dingtalk.fake.push(ROBOT_TOPIC, message)
    dingtalk.fake.push(ROBOT_TOPIC, message)  # DingTalk redelivers: same msgId
    wait_for(lambda: len(dingtalk.fake.acks) == 2)  # both are acknowledged
    time.sleep(0.2)
    assert len(recorder.events) == 1


def test_a_card_click_is_decided_and_the_card_updated(dingtalk: DingTalkSetup,
                                                      recorder: Recorder) -> None:
    platform = dingtalk_platform(dingtalk.runtime)
    assert platform is not None and platform.sender is not None
    ref = platform.sender.send_direct("wangfang", Reply(card=approval_card()))
    created = dingtalk.fake.cards[ref["out_track_id"]]
    params = created["cardData"]["cardParamMap"]
    assert created["openSpaceId"] == "dtv1.card//IM_ROBOT.wangfang"
    assert created["imRobotOpenDeliverModel"] == {"robotCode": dingtalk.fake.client_id,
                                                  "spaceType": "IM_ROBOT"}
    assert created["callbackType"] == "STREAM"
    assert (params["btn1_text"], params["btn2_text"], params["btn3_visible"]) == (
        "批准", "拒绝", "false")
    assert "**金额**: ¥200,000.00" in params["markdown"]

    recorder.script = lambda e: [Reply(card=decided_card(), replace_original=True)]
    dingtalk.fake.push(CARD_TOPIC, dingtalk.fake.card_click("wangfang", ref["out_track_id"],
                                                            "btn1"))
    [update] = wait_for(lambda: dingtalk.fake.card_updates)
    action = recorder.events[0]
    assert isinstance(action, CardAction)
    assert (action.action_id, dict(action.value)) == ("approve", {"application": "7"})
    assert action.message_ref is not None and action.message_ref["card_key"] == "application:7"
    assert update["outTrackId"] == ref["out_track_id"]
    shown = update["cardData"]["cardParamMap"]
    assert shown["status"] == "已批准 · 王芳" and shown["btn1_visible"] == "false"


def test_the_stream_reconnects_after_a_drop_and_keeps_handling_messages(
        dingtalk: DingTalkSetup, recorder: Recorder) -> None:
    platform = dingtalk_platform(dingtalk.runtime)
    assert platform is not None and platform.stream is not None
    dingtalk.fake.push(ROBOT_TOPIC, dingtalk.fake.robot_message("zhangsan", "one", "msgB1"))
    wait_for(lambda: recorder.events)
    dingtalk.fake.drop()
    # push() waits for the client to open a new connection before sending
    dingtalk.fake.push(ROBOT_TOPIC, dingtalk.fake.robot_message("zhangsan", "two", "msgB2"))
    dingtalk.fake.push(ROBOT_TOPIC, dingtalk.fake.robot_message("zhangsan", "one", "msgB1"))
    wait_for(lambda: len(dingtalk.fake.acks) == 3)
    time.sleep(0.2)
    assert [e.text for e in recorder.events if isinstance(e, Command)] == ["one", "two"]
    assert dingtalk.fake.connections_opened == 2 and platform.stream.sessions == 2


def test_reconnection_backs_off_exponentially(dingtalk: DingTalkSetup) -> None:
    platform = dingtalk_platform(dingtalk.runtime)
    assert platform is not None and platform.stream is not None
    stream = platform.stream
    stream.backoff_base, stream.backoff_max = 1.0, 60.0
    delays = [stream.reconnect_delay(n) for n in range(8)]
    assert 0.5 <= delays[0] <= 1.0 and 4.0 <= delays[3] <= 8.0
    assert all(30.0 <= d <= 60.0 for d in delays[6:])


def test_deliveries_for_another_organisation_are_ignored(dingtalk: DingTalkSetup,
                                                         recorder: Recorder) -> None:
    platform = dingtalk_platform(dingtalk.runtime)
    assert platform is not None
    platform.inbound.corp_id = "dingcorp"
    foreign = {**dingtalk.fake.robot_message("mallory", "apply 华为 1亿", "msgC1"),
               "senderCorpId": "dingother"}
    dingtalk.fake.push(ROBOT_TOPIC, foreign)
    dingtalk.fake.push(ROBOT_TOPIC, dingtalk.fake.robot_message("zhangsan", "help", "msgC2"))
    wait_for(lambda: recorder.events)
    time.sleep(0.2)
    assert [e.envelope.user_id for e in recorder.events] == ["zhangsan"]


def test_a_redelivered_card_click_is_handled_once(dingtalk: DingTalkSetup,
                                                  recorder: Recorder) -> None:
    platform = dingtalk_platform(dingtalk.runtime)
    assert platform is not None and platform.sender is not None
    ref = platform.sender.send_direct("wangfang", Reply(card=approval_card()))
    click = dingtalk.fake.card_click("wangfang", ref["out_track_id"], "btn2",
                                     {"reason": "额度不足"})
    dingtalk.fake.push(CARD_TOPIC, click, message_id="card-msg-1")
    dingtalk.fake.push(CARD_TOPIC, click, message_id="card-msg-1")  # redelivered
    wait_for(lambda: len(dingtalk.fake.acks) == 2)
    time.sleep(0.2)
    [action] = recorder.events
    assert isinstance(action, CardAction)
    assert (action.action_id, dict(action.form)) == ("reject", {"reason": "额度不足"})


def test_buttons_changed_by_an_update_mean_what_they_now_say(dingtalk: DingTalkSetup,
                                                             recorder: Recorder) -> None:
    platform = dingtalk_platform(dingtalk.runtime)
    assert platform is not None and platform.sender is not None
    ref = platform.sender.send_direct("wangfang", Reply(card=approval_card()))
    final_step = Card(title="授信申请 APP-7", subtitle="终审", key="application:7",
                      buttons=(Button("终审批准", "approve", {"application": "7", "step": "2"}),))
    assert platform.sender.update_card(final_step) == {"updated": 1, "resent": 0}
    dingtalk.fake.push(CARD_TOPIC, dingtalk.fake.card_click("wangfang", ref["out_track_id"],
                                                            "btn1"))
    [action] = wait_for(lambda: recorder.events)
    assert isinstance(action, CardAction)
    assert dict(action.value) == {"application": "7", "step": "2"}
