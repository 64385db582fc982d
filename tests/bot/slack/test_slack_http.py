"""Slack over HTTP: signed requests to the real endpoint, answers read from the fake Slack."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

from sqlalchemy.engine import make_url

from bot.messages import Button, CardAction, Reply
from bot.slack.cards import encode_button
from handlers.router import Context, router
from tests.bot.slack.conftest import SlackApp, running_slack
from tests.bot.slack.fake_slack import FakeSlack
from tests.faults.test_sqlite_locked import write_locked
from tests.handlers.world import seed


def texts(blocks: list[dict[str, Any]]) -> str:
    """Every text of a Block Kit message, to read it like a person would."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)


def event(slack: SlackApp, text: str, *, event_id: str, user: str = "UWANG",
          retry: int | None = None, channel: str = "D0WANG") -> Any:
    body = json.dumps({
        "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
        "event_id": event_id, "event_time": int(time.time()),
        "event": {"type": "message", "channel_type": "im", "channel": channel, "user": user,
                  "text": text, "ts": f"{time.time():.6f}", "team": "T1"}})
    headers = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"} \
        if retry else None
    return slack.post(body, content_type="application/json", headers=headers)


def tap(slack: SlackApp, button: Button, *, trigger: str, user: str = "UWANG",
        channel: str = "D0WANG", ts: str = "1700000000.000001") -> Any:
    payload = {
        "type": "block_actions", "team": {"id": "T1", "domain": "acme"},
        "user": {"id": user, "team_id": "T1"}, "api_app_id": "A1", "trigger_id": trigger,
        "container": {"type": "message", "message_ts": ts, "channel_id": channel,
                      "is_ephemeral": False},
        "channel": {"id": channel, "name": "directmessage"},
        "response_url": f"{slack.fake.url}/response/{trigger}",
        "actions": [{"type": "button", "action_id": "cb:0", "block_id": "b1",
                     "value": encode_button(button), "action_ts": f"{time.time():.6f}"}]}
    return slack.post(urllib.parse.urlencode({"payload": json.dumps(payload)}))


def test_slash_command_answers_with_the_credit_card(slack_app: SlackApp) -> None:
    started = time.monotonic()
    r = slack_app.slash("华为", trigger="tr-huawei")
    assert r.status_code == 200
    assert time.monotonic() - started < 3
    [answer] = slack_app.fake.wait_for("response")
    assert answer.path == "/response/tr-huawei"
    assert answer.body["response_type"] == "ephemeral"  # credit data only to the asker
    shown = texts(answer.body["blocks"])
    assert "华为技术有限公司" in shown
    assert "*Available*\n¥400,000.00" in shown  # 500k + 100k temporary − 200k exposure
    assert "*Overdue*\n¥50,000.00" in shown


def test_bad_stale_and_replayed_signatures_are_refused(slack_app: SlackApp) -> None:
    body = urllib.parse.urlencode({"command": "/credit", "text": "help", "user_id": "UWANG",
                                   "team_id": "T1", "channel_id": "C1", "trigger_id": "t9",
                                   "response_url": f"{slack_app.fake.url}/response/t9"})
    assert slack_app.post(body, secret="not-the-secret").status_code == 401
    assert slack_app.post(body, timestamp=int(time.time()) - 6 * 60).status_code == 401
    stamp = int(time.time())
    assert slack_app.post(body, timestamp=stamp).status_code == 200
    assert slack_app.post(body, timestamp=stamp).status_code == 401  # the same request again
    slack_app.fake.wait_for("response")
    time.sleep(0.3)
    assert len(slack_app.fake.of("response")) == 1


def test_a_request_while_the_database_is_locked_is_deferred_and_its_retry_answered(
        make_runtime: Any, fake_slack: FakeSlack, sqlite_url: str) -> None:
    """Another process holds SQLite's write lock past the busy timeout: Slack is told to come
    back (503, Retry-After) and nothing is answered or recorded; its retry is answered once."""
    with running_slack(make_runtime, fake_slack, seed,
                       database_url=f"{sqlite_url}?timeout=1") as app:
        body = urllib.parse.urlencode({
            "command": "/credit", "text": "华为", "user_id": "UWANG", "team_id": "T1",
            "channel_id": "C1", "trigger_id": "t-lock",
            "response_url": f"{app.fake.url}/response/t-lock"})
        stamp = int(time.time())
        with write_locked(make_url(sqlite_url).database or "", seconds=3) as released:
            deferred = app.post(body, timestamp=stamp)
            assert not released.is_set()
        assert (deferred.status_code, deferred.headers.get("Retry-After")) == (503, "5")
        assert app.fake.of("response") == []
        retried = app.post(body, timestamp=stamp, headers={"X-Slack-Retry-Num": "1"})
        assert retried.status_code == 200  # the deferred request left no claim behind
        [answer] = app.fake.wait_for("response")
        assert "华为技术有限公司" in json.dumps(answer.body, ensure_ascii=False)
        time.sleep(0.3)
        assert len(app.fake.of("response")) == 1


def test_direct_message_and_its_retry_are_answered_once(slack_app: SlackApp) -> None:
    assert event(slack_app, "credit 华为", event_id="Ev001").status_code == 200
    [posted] = slack_app.fake.wait_for("chat.postMessage")
    assert posted.body["channel"] == "D0WANG"
    assert "华为技术有限公司" in texts(posted.body["blocks"])
    assert posted.headers["Authorization"] == "Bearer xoxb-test-token"
    retried = event(slack_app, "credit 华为", event_id="Ev001", retry=1)
    assert retried.status_code == 200
    time.sleep(0.5)
    assert len(slack_app.fake.of("chat.postMessage")) == 1


def test_unknown_user_is_told_how_to_enrol(slack_app: SlackApp) -> None:
    event(slack_app, "credit 华为", event_id="Ev002", user="UNOBODY", channel="D0NOBODY")
    [posted] = slack_app.fake.wait_for("chat.postMessage")
    assert "not enrolled" in posted.body["text"] and "UNOBODY" in posted.body["text"]
    assert "华为技术" not in posted.body["text"]


def test_choice_card_is_replaced_in_place_by_the_pick(slack_app: SlackApp) -> None:
    event(slack_app, "credit 华", event_id="Ev003", user="ULIQIANG", channel="D0LI")
    [choice] = slack_app.fake.wait_for("chat.postMessage")
    buttons = [e for b in choice.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 3  # the manager sees his team's three 华… customers
    picked = next(b for b in buttons if "华东" in b["text"]["text"])
    from bot.slack.cards import decode_button

    tap(slack_app, decode_button(picked["value"]), trigger="tr-pick", user="ULIQIANG",
        channel="D0LI", ts="1700000000.000001")
    [update] = slack_app.fake.wait_for("chat.update")
    assert update.body["channel"] == "D0LI" and update.body["ts"] == "1700000000.000001"
    shown = texts(update.body["blocks"])
    assert "杭州华东精密机械有限公司" in shown and "On credit hold" in shown


def test_a_button_that_needs_a_reason_opens_a_modal_then_acts(slack_app: SlackApp) -> None:
    seen: list[CardAction] = []

    def reject(ctx: Context, action: CardAction) -> Reply:
        seen.append(action)
        return Reply(text=f"Rejected because {action.form['reason']}", replace_original=True)

    router.actions["test.reject"] = reject
    try:
        button = Button("Reject", "test.reject", {"application": "7"}, "danger",
                        needs_reason=True)
        tap(slack_app, button, trigger="tr-reject")
        [opened] = slack_app.fake.wait_for("views.open")
        assert opened.body["trigger_id"] == "tr-reject"
        view = opened.body["view"]
        assert view["callback_id"] == "creditbot_reason"
        submission = {
            "type": "view_submission", "team": {"id": "T1"}, "user": {"id": "UWANG"},
            "trigger_id": "tr-submit",
            "view": {"id": "V42", "type": "modal", "callback_id": "creditbot_reason",
                     "hash": "1712345678.abcd",
                     "private_metadata": view["private_metadata"],
                     "state": {"values": {"reason": {"value": {
                         "type": "plain_text_input", "value": "逾期未还"}}}}}}
        r = slack_app.post(urllib.parse.urlencode({"payload": json.dumps(submission)}))
        assert r.status_code == 200
        [update] = slack_app.fake.wait_for("chat.update")
        assert update.body["ts"] == "1700000000.000001"
        assert "Rejected because 逾期未还" in update.body["text"]
        assert seen[0].value == {"application": "7"} and seen[0].form == {"reason": "逾期未还"}
    finally:
        del router.actions["test.reject"]


def test_ack_comes_before_slow_work(slack_app: SlackApp) -> None:
    def slow(ctx: Context, action: CardAction) -> Reply:
        time.sleep(2.5)
        return Reply(text="done")

    router.actions["test.slow"] = slow
    try:
        started = time.monotonic()
        r = tap(slack_app, Button("Go", "test.slow"), trigger="tr-slow")
        assert r.status_code == 200 and time.monotonic() - started < 1.5
        [posted] = slack_app.fake.wait_for("chat.postMessage")
        assert posted.body["text"] == "done"
    finally:
        del router.actions["test.slow"]


def test_app_home_shows_the_sections(slack_app: SlackApp) -> None:
    body = json.dumps({"type": "event_callback", "team_id": "T1", "event_id": "EvHome",
                       "event": {"type": "app_home_opened", "user": "UEMMA", "tab": "home",
                                 "channel": "D0EMMA"}})
    assert slack_app.post(body, content_type="application/json").status_code == 200
    [published] = slack_app.fake.wait_for("views.publish")
    assert published.body["user_id"] == "UEMMA"
    shown = texts(published.body["view"]["blocks"])
    assert "Hello, Emma Li" in shown
    assert "Pending my decision" in shown and "Nothing waits for your decision." in shown
    assert "My applications" in shown and "You have no applications yet." in shown


def test_url_verification(slack_app: SlackApp) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9C",
                       "token": "x"})
    r = slack_app.post(body, content_type="application/json")
    assert r.status_code == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9C" in r.text


def test_a_mention_in_a_channel_is_answered_only_to_the_asker(slack_app: SlackApp) -> None:
    body = json.dumps({
        "type": "event_callback", "team_id": "T1", "event_id": "EvMention",
        "event": {"type": "app_mention", "channel": "C0SALES", "user": "UWANG",
                  "text": "<@UBOT> 额度 华为", "ts": "1700000001.000100"}})
    assert slack_app.post(body, content_type="application/json").status_code == 200
    [answer] = slack_app.fake.wait_for("chat.postEphemeral")
    assert answer.body["channel"] == "C0SALES" and answer.body["user"] == "UWANG"
    assert "华为技术有限公司" in texts(answer.body["blocks"])
    assert slack_app.fake.of("chat.postMessage") == []


def test_a_blank_reason_is_refused_in_the_modal(slack_app: SlackApp) -> None:
    submission = {
        "type": "view_submission", "team": {"id": "T1"}, "user": {"id": "UWANG"},
        "view": {"id": "V43", "type": "modal", "callback_id": "creditbot_reason",
                 "hash": "1712345678.abce",
                 "private_metadata": json.dumps({"a": "credit.show", "v": {"account": "1"}}),
                 "state": {"values": {"reason": {"value": {"type": "plain_text_input",
                                                           "value": "   "}}}}}}
    r = slack_app.post(urllib.parse.urlencode({"payload": json.dumps(submission)}))
    assert r.status_code == 200
    assert r.json() == {"response_action": "errors", "errors": {"reason": "Please give a reason."}}


def test_a_double_tap_is_answered_once(slack_app: SlackApp) -> None:
    event(slack_app, "credit 华", event_id="Ev010", user="ULIQIANG", channel="D0LI")
    [choice] = slack_app.fake.wait_for("chat.postMessage")
    first = next(e for b in choice.body["blocks"] if b["type"] == "actions"
                 for e in b["elements"])
    from bot.slack.cards import decode_button

    button = decode_button(first["value"])
    for trigger in ("tr-tap-1", "tr-tap-2"):  # two taps: two requests, two trigger ids
        assert tap(slack_app, button, trigger=trigger, user="ULIQIANG", channel="D0LI",
                   ts="1700000000.000001").status_code == 200
    slack_app.fake.wait_for("chat.update")
    time.sleep(0.5)
    assert len(slack_app.fake.of("chat.update")) == 1
