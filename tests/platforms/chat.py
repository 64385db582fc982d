"""People chatting with creditbot on WeCom and DingTalk, as the platforms deliver it: a
message or a card tap goes to creditbot's real endpoint (WeCom's encrypted callback, DingTalk's
stream or its robot HTTP mode) and the answers are read from what the fake platform APIs
received. Both drivers offer the same verbs, so a conversation test runs on each platform:

    chat.say("wangfang", "额度 华为")
    card = chat.card("liqiang", "批准")     # the latest card with that button
    chat.tap("liqiang", "批准")             # the tap, as the platform delivers it
    chat.texts("liqiang")                   # everything sent to the person, as text
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from tests.platforms.fake_dingtalk import CARD_TOPIC, ROBOT_TOPIC, FakeDingTalk
from tests.platforms.fake_server import wait_for
from tests.platforms.fake_wecom import FakeWeCom, WeComCaller

_ids = itertools.count(70_000)


class Chat(Protocol):
    name: str

    def say(self, user: str, text: str) -> None: ...

    def texts(self, user: str) -> list[str]: ...

    def card(self, user: str, label: str) -> dict[str, Any]: ...

    def tap(self, user: str, label: str) -> object: ...  # WeCom: the callback's answer


def wait_texts(chat: Chat, user: str, n: int = 1, timeout: float = 8.0) -> list[str]:
    """The texts sent to ``user`` once there are at least ``n``."""
    return list(wait_for(lambda: len(chat.texts(user)) >= n and chat.texts(user),
                         timeout=timeout))


# -- WeCom ---------------------------------------------------------------------------------------
@dataclass
class WeComChat:
    fake: FakeWeCom
    caller: WeComCaller
    url: str  # creditbot's base URL
    name: str = "wecom"
    # Whether creditbot has recorded the card with this task id (a person cannot tap a card
    # in the instant between WeCom showing it and creditbot noting what it sent).
    recorded: Callable[[str], bool] = lambda _handle: True

    def post(self, xml: str) -> httpx.Response:
        params, body = self.caller.envelope(xml)
        return httpx.post(f"{self.url}/wecom/callback", params=params, content=body,
                          timeout=10)

    def say(self, user: str, text: str, msg_id: int | None = None) -> None:
        answer = self.post(self.caller.text(user, text, msg_id or next(_ids)))
        assert answer.status_code == 200 and answer.text == ""

    def messages(self, user: str) -> list[dict[str, Any]]:
        with self.fake.lock:
            return [m for m in self.fake.sent if m.get("touser") == user]

    def texts(self, user: str) -> list[str]:
        return [wecom_text(m) for m in self.messages(user)]

    def card(self, user: str, label: str) -> dict[str, Any]:
        """The latest template card sent to ``user`` with a button labelled ``label``."""
        for message in reversed(self.messages(user)):
            card = message.get("template_card") or {}
            if any(b.get("text") == label for b in card.get("button_list", [])):
                return dict(card)
        raise AssertionError(f"no card with {label!r} was sent to {user}")

    def tap(self, user: str, label: str, created: int | None = None) -> httpx.Response:
        """Tap ``label`` on the latest card that has it; the answer carries any passive
        reply (see :meth:`passive`)."""
        card = self.card(user, label)
        wait_for(lambda: self.recorded(card["task_id"]))
        key = next(b["key"] for b in card["button_list"] if b.get("text") == label)
        code = self.fake.issue_code(card["task_id"], user)
        answer = self.post(self.caller.card_click(user, card["task_id"], key, code,
                                                  created=created))
        assert answer.status_code == 200
        return answer

    def passive(self, answer: httpx.Response) -> dict[str, Any] | None:
        """The passive reply WeCom read from a tap's answer (None: empty answer)."""
        return self.caller.decrypt_reply(answer.content) if answer.content else None

    def updates(self, user: str) -> list[dict[str, Any]]:
        with self.fake.lock:
            return [u["template_card"] for u in self.fake.updates if user in u["userids"]]


def wecom_text(message: dict[str, Any]) -> str:
    kind = message.get("msgtype")
    if kind == "text":
        return str(message["text"]["content"])
    if kind == "markdown":
        return str(message["markdown"]["content"])
    card = message.get("template_card") or {}
    title = card.get("main_title") or {}
    rows = [f"{r['keyname']}: {r['value']}" for r in card.get("horizontal_content_list", [])]
    return "\n".join([title.get("title", ""), title.get("desc", ""), *rows,
                      card.get("sub_title_text", "")])


# -- DingTalk ------------------------------------------------------------------------------------
@dataclass
class DingTalkChat:
    """Robot messages over Stream (or, with ``http`` set, the robot's HTTP mode)."""

    fake: FakeDingTalk
    http: Callable[[dict[str, Any]], httpx.Response] | None = None
    name: str = "dingtalk"
    sessions: dict[str, str] = field(default_factory=dict)  # session (msgId) -> user
    recorded: Callable[[str], bool] = lambda _handle: True  # as WeComChat.recorded

    def say(self, user: str, text: str, msg_id: str | None = None,
            conversation_type: str = "1") -> None:
        msg_id = msg_id or f"msg{next(_ids)}"
        self.sessions[msg_id] = user
        message = self.fake.robot_message(user, text, msg_id,
                                          conversation_type=conversation_type)
        if self.http is not None:
            assert self.http(message).status_code == 200
        else:
            self.fake.push(ROBOT_TOPIC, message)

    def texts(self, user: str) -> list[str]:
        with self.fake.lock:
            session = [m for m in self.fake.session_messages
                       if self.sessions.get(m["session"]) == user]
            robot = [m for m in self.fake.robot_messages if m["userIds"] == [user]]
            cards = [c for c in self.fake.cards.values()
                     if c["openSpaceId"] == f"dtv1.card//IM_ROBOT.{user}"]
        texts = [dingtalk_webhook_text(m) for m in session]
        texts += [dingtalk_robot_text(m) for m in robot]
        texts += ["\n".join((p["title"], p["subtitle"], p["markdown"]))
                  for p in (self.params(c["outTrackId"]) for c in cards)]
        return texts

    def params(self, out_track_id: str) -> dict[str, str]:
        """What the card shows now: its creation data with every update applied."""
        with self.fake.lock:
            params = dict(self.fake.cards[out_track_id]["cardData"]["cardParamMap"])
            for update in self.fake.card_updates:
                if update["outTrackId"] == out_track_id:
                    params.update(update["cardData"]["cardParamMap"])
        return params

    def card(self, user: str, label: str) -> dict[str, Any]:
        """The latest card in ``user``'s robot chat with a visible button ``label``:
        ``{"out_track_id", "slot", **params}``."""
        with self.fake.lock:
            tracks = [t for t, c in self.fake.cards.items()
                      if c["openSpaceId"] == f"dtv1.card//IM_ROBOT.{user}"]
        for track in reversed(tracks):
            params = self.params(track)
            for n in range(1, 5):
                if params.get(f"btn{n}_visible") == "true" and params[f"btn{n}_text"] == label:
                    return {"out_track_id": track, "slot": f"btn{n}", **params}
        raise AssertionError(f"no card with {label!r} in {user}'s chat")

    def tap(self, user: str, label: str, params: dict[str, Any] | None = None,
            message_id: str | None = None) -> None:
        card = self.card(user, label)
        wait_for(lambda: self.recorded(card["out_track_id"]))
        self.fake.push(CARD_TOPIC, self.fake.card_click(user, card["out_track_id"],
                                                        card["slot"], params),
                       message_id=message_id)


def dingtalk_webhook_text(message: dict[str, Any]) -> str:
    if message.get("msgtype") == "text":
        return str(message["text"]["content"])
    return str(message["markdown"]["text"])


def dingtalk_robot_text(message: dict[str, Any]) -> str:
    param = json.loads(message["msgParam"])
    return str(param.get("content") or param.get("text") or "")


def settle(seconds: float = 0.3) -> None:
    """Give background work a moment to show it did nothing more."""
    time.sleep(seconds)
