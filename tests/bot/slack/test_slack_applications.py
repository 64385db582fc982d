"""An application through Slack end to end, with signed requests to the real endpoint and
the Web API replaced by the fake Slack: the modal with customer typeahead, the confirmation,
the approval card received by the approver, the tap, the card updated in place, the
requester's direct messages, a reject through the reason modal, the App Home."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from tests.bot.slack.conftest import SlackApp, running_slack
from tests.bot.slack.fake_slack import Call, FakeSlack
from tests.bot.slack.test_slack_http import texts
from tests.handlers.apps import latest, workflow_world


@pytest.fixture
def slack(make_runtime: Any, fake_slack: FakeSlack) -> Iterator[SlackApp]:
    """王芳, 李强 and Emma Li on Slack (张伟 is not: his messages wait for another
    platform). Business rules off for the unit (see ``workflow_world``)."""
    with running_slack(make_runtime, fake_slack, lambda d: workflow_world(d).seeded,
                       public_url="https://creditbot.example") as app:
        yield app


def interact(slack: SlackApp, payload: dict[str, Any]) -> Any:
    return slack.post(urllib.parse.urlencode({"payload": json.dumps(payload)}))


def tap(slack: SlackApp, message: Call, label: str, *, user: str, trigger: str) -> Any:
    """Tap the button labelled ``label`` on a message the fake Slack received."""
    elements = [e for b in message.body["blocks"] if b["type"] == "actions"
                for e in b["elements"]]
    element = next(e for e in elements if e["text"]["text"] == label)
    channel, ts = message.answer["channel"], message.answer["ts"]
    return interact(slack, {
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1", "trigger_id": trigger,
        "container": {"type": "message", "message_ts": ts, "channel_id": channel,
                      "is_ephemeral": False},
        "channel": {"id": channel}, "response_url": f"{slack.fake.url}/response/{trigger}",
        "actions": [{"type": "button", "action_id": element["action_id"], "block_id": "b",
                     "value": element["value"], "action_ts": f"{time.time():.6f}"}]})


def posted_to(slack: SlackApp, channel: str, count: int = 1) -> list[Call]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [c for c in slack.fake.of("chat.postMessage") if c.body["channel"] == channel]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{channel} got {len(found)} messages: "
                         f"{[c.body['channel'] for c in slack.fake.of('chat.postMessage')]}")


def updates_of(slack: SlackApp, channel: str, count: int = 1) -> list[Call]:
    deadline = time.monotonic() + 10
    found: list[Call] = []
    while time.monotonic() < deadline:
        found = [c for c in slack.fake.of("chat.update") if c.body["channel"] == channel]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{channel} got {len(found)} updates")


def test_apply_in_the_modal_then_approve_on_the_cards(slack: SlackApp) -> None:
    fake = slack.fake
    # 王芳: /credit temp in her DM with the bot opens the modal
    assert slack.slash("temp", user="UWANG", trigger="tr-temp", channel="D0WANG"
                       ).status_code == 200
    [opened] = fake.wait_for("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "creditbot_form" and view["title"]["text"] == (
        "Temporary limit")
    picker = next(b for b in view["blocks"] if b["block_id"] == "customer")["element"]
    assert picker["type"] == "external_select" and picker["action_id"] == "suggest:customer"

    # the typeahead answers from creditbot's data, as 王芳 may see it
    options = interact(slack, {"type": "block_suggestion", "team": {"id": "T1"},
                               "user": {"id": "UWANG", "team_id": "T1"},
                               "action_id": "suggest:customer", "block_id": "customer",
                               "value": "华", "api_app_id": "A1"})
    assert options.status_code == 200
    assert [o["text"]["text"] for o in options.json()["options"]] == [
        "华为技术有限公司 · IND unit"]
    account = options.json()["options"][0]["value"]

    submitted = interact(slack, {
        "type": "view_submission", "team": {"id": "T1"}, "user": {"id": "UWANG"},
        "view": {"id": "V-apply", "type": "modal", "callback_id": "creditbot_form",
                 "private_metadata": view["private_metadata"], "state": {"values": {
                     "customer": {"suggest:customer": {"type": "external_select",
                                                       "selected_option": {"value": account}}},
                     "amount": {"value": {"type": "plain_text_input", "value": "10万"}},
                     "until": {"value": {"type": "datepicker", "selected_date": "2026-03-31"}},
                     "reason": {"value": {"type": "plain_text_input", "value": "旺季备货"}},
                     "attachments": {"value": {"type": "plain_text_input", "value": None}}}}}})
    assert submitted.status_code == 200
    [confirmation] = posted_to(slack, "D0WANG")
    shown = texts(confirmation.body["blocks"])
    assert "Please check, then submit" in shown and "*Route middle*" in shown
    assert "1. sales manager: 李强\n2. finance manager (any one): Emma Li、张伟" in shown
    assert fake.of("chat.update") == []  # nothing submitted yet

    tap(slack, confirmation, "Submit", user="UWANG",
        trigger="tr-submit")
    card = updates_of(slack, "D0WANG")[0]
    number = latest(slack.runtime.domain).number
    assert card.body["ts"] == confirmation.answer["ts"]
    assert f"{number} · 华为技术有限公司" in texts(card.body["blocks"])

    # 李强 receives the approval card in his DM, with the facts and the buttons
    [asked] = posted_to(slack, "ULIQIANG")
    shown = texts(asked.body["blocks"])
    assert f"{number}: your decision is needed" in asked.body["text"]
    assert "*Available*\n¥400,000.00" in shown and "*Overdue*\n¥50,000.00" in shown
    assert [e["text"]["text"] for b in asked.body["blocks"] if b["type"] == "actions"
            for e in b["elements"]] == ["Approve", "Reject", "Return", "Comment",
                                          "Transfer"]

    tap(slack, asked, "Approve", user="ULIQIANG",
        trigger="tr-li")
    [decided] = updates_of(slack, "DLIQIANG")
    assert decided.body["ts"] == asked.answer["ts"]
    shown = texts(decided.body["blocks"])
    assert "✔ 1. sales manager: 李强 approved 09:00" in shown
    assert not [b for b in decided.body["blocks"] if b["type"] == "actions"]

    [progress] = posted_to(slack, "UWANG")  # the requester is told (first news since)
    assert progress.body["text"].startswith(f"{number}: 李强 approved sales manager")
    [emma] = posted_to(slack, "UEMMA")
    tap(slack, emma, "Approve", user="UEMMA", trigger="tr-em")
    updates_of(slack, "DEMMA")
    approved = posted_to(slack, "UWANG", 2)[1]
    assert approved.body["text"].startswith(
        f"{number} approved: temporary limit of ¥100,000.00 for 华为技术有限公司")
    assert latest(slack.runtime.domain).status == "approved"


def test_reject_through_the_reason_modal_and_the_home_tab(slack: SlackApp) -> None:
    fake = slack.fake
    from tests.bot.slack.test_slack_http import event

    event(slack, "temp 华为 5万 30天 展会", event_id="EvApply", user="UWANG", channel="D0WANG")
    [confirmation] = posted_to(slack, "D0WANG")
    tap(slack, confirmation, "Submit", user="UWANG",
        trigger="tr-s")
    [asked] = posted_to(slack, "ULIQIANG")
    number = latest(slack.runtime.domain).number

    home = json.dumps({"type": "event_callback", "team_id": "T1", "event_id": "EvHomeLi",
                       "event": {"type": "app_home_opened", "user": "ULIQIANG", "tab": "home",
                                 "channel": "D0LI"}})
    slack.post(home, content_type="application/json")
    [published] = fake.wait_for("views.publish")
    assert f"{number} · 华为技术有限公司 · temporary limit · ¥50,000.00 · 王芳" in texts(
        published.body["view"]["blocks"])

    tap(slack, asked, "Comment", user="ULIQIANG", trigger="tr-c")  # then closed unsent
    [commenting] = fake.wait_for("views.open")
    assert [b["label"]["text"] for b in commenting.body["view"]["blocks"]] == ["Your comment"]
    tap(slack, asked, "Reject", user="ULIQIANG", trigger="tr-r")
    [_commenting, modal] = fake.wait_for("views.open", count=2)
    assert modal.body["view"]["callback_id"] == "creditbot_reason"
    assert [b["label"]["text"] for b in modal.body["view"]["blocks"]] == ["Reason"]
    interact(slack, {
        "type": "view_submission", "team": {"id": "T1"}, "user": {"id": "ULIQIANG"},
        "view": {"id": "V-reason", "type": "modal", "callback_id": "creditbot_reason",
                 "private_metadata": modal.body["view"]["private_metadata"],
                 "state": {"values": {"reason": {"value": {"type": "plain_text_input",
                                                           "value": "展会订单未确认"}}}}}})
    [card] = updates_of(slack, "DLIQIANG")
    assert "rejected: 李强, 09:00 — 展会订单未确认" in texts(card.body["blocks"])
    [told] = posted_to(slack, "UWANG")
    assert told.body["text"].startswith(f"{number} rejected by 李强\nReason: 展会订单未确认")
