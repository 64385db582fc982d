"""Fuzzed platform payloads never produce a 500, nor an unhandled error behind an
acknowledgement, and a refused one writes nothing.

Real payloads of every inbound endpoint are mutated (a value replaced by any JSON, a key
dropped or added, the body cut short or replaced) and sent *correctly signed* (and, for WeCom
and the DingTalk event subscription, correctly encrypted), so the mutations reach the parsers
behind the signature checks, to creditbot served by uvicorn on 127.0.0.1 with Slack, WeCom,
DingTalk, the emulator and the ERP API all enabled against fake platforms.
"""

from __future__ import annotations

import copy
import json
import logging
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.dingtalk.robot import signature as dingtalk_signature
from bot.web.app import create_app
from credit_domain.apikeys.services import create_key
from credit_domain.db.base import Base
from credit_domain.inbound.models import ProcessedEvent
from credit_domain.inbound.retention import INBOUND_REPLAY_WINDOWS
from credit_domain.orgs.people import find_person, link_identity
from credit_domain.outbox.port import DeliveryFailed
from credit_domain.unit_of_work import ActorRef
from tests.bot.slack.conftest import fake_slack  # noqa: F401  (fixture)
from tests.bot.slack.fake_slack import FakeSlack
from tests.handlers.world import seed
from tests.platforms.conftest import aes_key, fake_dingtalk, fake_wecom  # noqa: F401
from tests.platforms.fake_dingtalk import FakeDingTalk
from tests.platforms.fake_server import ServedApp
from tests.platforms.fake_wecom import FakeWeCom, WeComCaller

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PEOPLE = ("wangfang", "liqiang", "emma")
# Tables a refused request may touch: none. (Rows written by accepted requests are fine.)
CASES: Counter[str] = Counter()  # requests sent per endpoint, reported by the last test
STATUSES: Counter[tuple[str, int]] = Counter()  # (endpoint, status): the fuzz reached parsers

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=False)
    | st.text(max_size=24),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=3),
    max_leaves=6)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return value


def _delete(value: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return value
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return value


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with one to three mutations: a value replaced by any JSON value (or by a
    string, the commonest wrong type), a key deleted, a key added."""
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(value))
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "replace", "text", "delete", "add"]))
        target: Any = value
        for key in path:
            target = target[key]
        if op == "replace":
            value = _set(value, path, draw(json_values))
        elif op == "text":
            value = _set(value, path, draw(st.text(max_size=40)))
        elif op == "delete":
            value = _delete(value, path)
        elif isinstance(target, dict):
            target[draw(st.text(max_size=10))] = draw(json_values)
        elif isinstance(target, list):
            target.append(draw(json_values))
    return value


def bodies(base: Any) -> st.SearchStrategy[bytes]:
    """JSON bodies: mostly mutated ``base``, sometimes cut short or not JSON at all."""
    good = json.dumps(base, ensure_ascii=False).encode()
    return st.one_of(
        mutated(base).map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
        mutated(base).map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
        mutated(base).map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
        st.integers(0, max(0, len(good) - 1)).map(lambda n: good[:n]),
        st.binary(max_size=200),
    )


@dataclass(repr=False)
class Inbound:
    """creditbot served with every inbound endpoint enabled, and how to call each."""

    url: str
    runtime: Any
    fake_slack: FakeSlack
    wecom: WeComCaller
    dingtalk_secret: str
    dingtalk_token: str
    dingtalk_aes_key: str
    dingtalk_client_id: str
    dingtalk_url: str
    api_key: str
    http: httpx.Client
    emulator: httpx.Client
    errors: list[logging.LogRecord] = field(default_factory=list)
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)  # this test's

    def __repr__(self) -> str:
        return f"Inbound({self.url})"

    def reached_the_parsers(self) -> None:
        """Correctly signed, the fuzzed requests must not all stop at the signature check
        (401, 403): else the test would only have fuzzed the check."""
        for endpoint in {e for e, _status in self.answers}:
            past = sum(n for (e, status), n in self.answers.items()
                       if e == endpoint and status not in (401, 403))
            assert past, (endpoint, dict(self.answers))

    def tables(self) -> dict[str, int]:
        """Rows per table, leaving out the replay guards' records of signatures seen (kept for
        every correctly signed request, whatever its content)."""
        guards = ProcessedEvent.platform.in_([k for k in INBOUND_REPLAY_WINDOWS
                                              if k.endswith(("-sig", "-in"))])
        with self.runtime.domain.read() as s:
            found = {t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
                     for t in Base.metadata.sorted_tables}
            found["processed_events"] -= int(s.scalar(
                select(func.count()).select_from(ProcessedEvent).where(guards)) or 0)
        return found

    def send(self, endpoint: str, request: Callable[[], httpx.Response]) -> httpx.Response:
        """Send one fuzzed request: never a 500; refused (4xx), it wrote nothing. Accepted
        requests of platforms that answer after the acknowledgement (Slack, DingTalk) are
        let finish first, so their writes are not taken for the next request's."""
        CASES[endpoint] += 1
        before = self.tables()
        response = request()
        STATUSES[endpoint, response.status_code] += 1
        self.answers[endpoint, response.status_code] += 1
        assert response.status_code < 500, (endpoint, response.status_code, response.text[:500])
        if 400 <= response.status_code < 500:
            after = self.tables()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, (endpoint, response.status_code, changed)
        elif response.is_success:
            self.settle()
        return response

    def settle(self, timeout: float = 3.0) -> None:
        """Wait until no table changes for two looks in a row."""
        deadline = time.monotonic() + timeout
        last = self.tables()
        while time.monotonic() < deadline:
            time.sleep(0.02)
            now = self.tables()
            if now == last:
                return
            last = now

    def slack(self, body: bytes, content_type: str) -> httpx.Response:
        stamp = str(int(time.time()))
        sig = SignatureVerifier(SLACK_SECRET).generate_signature(
            timestamp=stamp, body=body.decode("utf-8", "replace"))
        return self.http.post("/slack/events", content=body, headers={
            "content-type": content_type, "x-slack-request-timestamp": stamp,
            "x-slack-signature": sig or ""})


class ErrorLog(logging.Handler):
    """Collects records logged with a traceback (an exception nobody handled)."""

    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        # a reply the platform could not take (a fuzzed reply address) is not a crash
        if error is not None and not isinstance(error, DeliveryFailed):
            self.into.append(record)


@pytest.fixture
def inbound(make_runtime: Any, fake_slack: FakeSlack, fake_wecom: FakeWeCom,  # noqa: F811
            fake_dingtalk: FakeDingTalk) -> Iterator[Inbound]:  # noqa: F811
    wecom_key, ding_key = aes_key(), aes_key()
    rt = make_runtime(
        emulator=True, secret_key="fuzz-secret-key", dispatcher=False,
        slack_bot_token="xoxb-test-token", slack_signing_secret=SLACK_SECRET,
        slack_api_url=fake_slack.url + "/api/",
        wecom_corp_id=fake_wecom.corp_id, wecom_agent_id=fake_wecom.agent_id,
        wecom_secret=fake_wecom.secret, wecom_token="callback-token",
        wecom_encoding_aes_key=wecom_key,
        wecom_api_url=f"{fake_wecom.url}/cgi-bin/",  # type: ignore[attr-defined]
        dingtalk_client_id=fake_dingtalk.client_id,
        dingtalk_client_secret=fake_dingtalk.client_secret, dingtalk_token="ding-token",
        dingtalk_aes_key=ding_key, dingtalk_api_url=fake_dingtalk.url,
        dingtalk_oapi_url=fake_dingtalk.url, dingtalk_stream=False,
        dingtalk_card_template_id=fake_dingtalk.template_id)
    seed(rt.domain)
    with rt.domain.uow(ActorRef.system("test")) as uow:
        for login, slack_id in zip(PEOPLE, ("UWANG", "ULIQIANG", "UEMMA"), strict=True):
            person = find_person(uow.session, login)
            link_identity(uow, person, "slack", slack_id)
            link_identity(uow, person, "wecom", login)
            link_identity(uow, person, "dingtalk", login)
        key = create_key(uow, "fuzz", business_unit_codes=["IND"],
                         scopes=["orders:check", "erp:write", "erp:read"],
                         rate_limit_per_minute=1_000_000)[1]
        wangfang = find_person(uow.session, "wangfang").id
        uow.commit()
    errors: list[logging.LogRecord] = []
    handler = ErrorLog(errors)
    logging.getLogger().addHandler(handler)
    try:
        with ServedApp(create_app(rt), lifespan="on") as served, \
                httpx.Client(base_url=served.url, timeout=15) as http, \
                httpx.Client(base_url=served.url, timeout=15) as emulator:
            emulator.post("/login/emulator", data={"person_id": wangfang, "next": "/"})
            inbound = Inbound(served.url, rt, fake_slack,
                              WeComCaller("callback-token", wecom_key, fake_wecom.corp_id,
                                          fake_wecom.agent_id),
                              fake_dingtalk.client_secret, "ding-token", ding_key,
                              fake_dingtalk.client_id, fake_dingtalk.url, key, http,
                              emulator, errors)
            yield inbound
            time.sleep(0.5)  # let acknowledged work (Slack's lazy listeners) finish
    finally:
        logging.getLogger().removeHandler(handler)
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors[:5]]
    inbound.reached_the_parsers()


def fuzz(cases: int) -> settings:
    """``cases`` examples, no deadline (the server's first answers are slower)."""
    return settings(max_examples=cases, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# -- Slack -------------------------------------------------------------------------------------
SLACK_EVENT = {
    "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
    "event_id": "Ev1", "event_time": 1700000000,
    "event": {"type": "message", "channel_type": "im", "channel": "D0WANG", "user": "UWANG",
              "text": "额度 华为", "ts": "1700000000.000100", "team": "T1"}}
SLACK_MENTION = {
    "type": "event_callback", "team_id": "T1", "event_id": "EvM",
    "event": {"type": "app_mention", "channel": "C0SALES", "user": "UWANG",
              "text": "<@UBOT> 额度 华为", "ts": "1700000001.000100"}}
SLACK_ACTION = {
    "type": "block_actions", "team": {"id": "T1", "domain": "acme"},
    "user": {"id": "UWANG", "team_id": "T1"}, "api_app_id": "A1", "trigger_id": "tr-1",
    "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "D0WANG",
                  "is_ephemeral": False},
    "channel": {"id": "D0WANG", "name": "directmessage"},
    "actions": [{"type": "button", "action_id": "cb:0", "block_id": "b1",
                 "value": json.dumps({"a": "approve", "v": {"application": "1"}}),
                 "action_ts": "1700000000.1"}]}
SLACK_VIEW = {
    "type": "view_submission", "team": {"id": "T1"}, "user": {"id": "UWANG"},
    "view": {"id": "V1", "type": "modal", "callback_id": "form", "private_metadata": "{}",
             "state": {"values": {"b": {"reason": {"type": "plain_text_input", "value": "x"}}}}}}
SLACK_SLASH = {"token": "x", "team_id": "T1", "channel_id": "C0GENERAL", "user_id": "UWANG",
               "command": "/credit", "text": "额度 华为", "api_app_id": "A1",
               "trigger_id": "tr-2"}


def fresh(body: bytes, *ids: str) -> bytes:
    """The example with event ids of its own: the same id again is a retry, answered
    without reaching the parsers, so later examples would test nothing."""
    for old in ids:
        body = body.replace(f'"{old}"'.encode(), f'"{old}-{time.monotonic_ns()}"'.encode())
    return body


@fuzz(150)
@given(body=st.one_of(bodies(SLACK_EVENT), bodies(SLACK_MENTION)))
def test_fuzzed_slack_events(inbound: Inbound, body: bytes) -> None:
    body = fresh(body, "Ev1", "EvM")
    inbound.send("slack events", lambda: inbound.slack(body, "application/json"))


@fuzz(100)
@given(payload=st.one_of(mutated(SLACK_ACTION), mutated(SLACK_VIEW)), raw=st.booleans())
def test_fuzzed_slack_interactivity(inbound: Inbound, payload: Any, raw: bool) -> None:
    if raw and isinstance(payload, dict):
        form = urllib.parse.urlencode({k: json.dumps(v) if not isinstance(v, str) else v
                                       for k, v in payload.items()})
    else:
        form = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
    inbound.send("slack interactivity", lambda: inbound.slack(
        form.encode(), "application/x-www-form-urlencoded"))


@fuzz(100)
@given(fields=st.dictionaries(st.sampled_from(sorted(SLACK_SLASH)),
                              st.text(max_size=60), max_size=len(SLACK_SLASH)),
       drop=st.sets(st.sampled_from(sorted(SLACK_SLASH))))
def test_fuzzed_slack_slash_commands(inbound: Inbound, fields: dict[str, str],
                                     drop: set[str]) -> None:
    form = {k: v for k, v in {**SLACK_SLASH, **fields}.items() if k not in drop}
    inbound.send("slack slash commands", lambda: inbound.slack(
        urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"))


# -- WeCom -------------------------------------------------------------------------------------
WECOM_FIELDS = st.fixed_dictionaries({}, optional={
    "ToUserName": st.text(max_size=20), "FromUserName": st.sampled_from(
        [*PEOPLE, "stranger", ""]) | st.text(max_size=12),
    "CreateTime": st.integers(-10, 2**40).map(str) | st.text(max_size=12),
    "MsgType": st.sampled_from(["text", "event", "image", "voice", ""]) | st.text(max_size=8),
    "Content": st.text(max_size=80), "MsgId": st.integers(0, 2**64).map(str)
    | st.text(max_size=12),
    "Event": st.sampled_from(["template_card_event", "enter_agent", "click"])
    | st.text(max_size=10),
    "EventKey": st.sampled_from(["approve?application=1", "reject?application=x", "?", "="])
    | st.text(max_size=30),
    "TaskId": st.text(max_size=20), "ResponseCode": st.text(max_size=20),
    "CardType": st.text(max_size=20), "AgentID": st.integers(-1, 2**40).map(str)})


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@fuzz(150)
@given(fields=WECOM_FIELDS, broken=st.one_of(st.none(), st.text(max_size=80)))
def test_fuzzed_wecom_callbacks(inbound: Inbound, fields: dict[str, str],
                                broken: str | None) -> None:
    xml = broken if broken is not None else (
        "<xml>" + "".join(f"<{k}>{_cdata(v)}</{k}>" for k, v in fields.items()) + "</xml>")
    params, body = inbound.wecom.envelope(xml)
    inbound.send("wecom callback", lambda: inbound.http.post(
        "/wecom/callback", params=params, content=body))


# -- DingTalk ----------------------------------------------------------------------------------
DING_ROBOT = {
    "conversationId": "cidP2Pwangfang", "chatbotCorpId": "dingcorp",
    "chatbotUserId": "$:LWCP_v1:$bot", "msgId": "msg1", "senderNick": "wangfang",
    "isAdmin": False, "senderStaffId": "wangfang", "sessionWebhookExpiredTime": 1,
    "createAt": 1700000000000, "senderCorpId": "dingcorp", "conversationType": "1",
    "senderId": "$:LWCP_v1:$wangfang", "robotCode": "robot", "msgtype": "text",
    "sessionWebhook": "SESSION", "text": {"content": "额度 华为"}}
DING_CLICK = {"extension": "{}", "corpId": "dingcorp", "userId": "wangfang",
              "outTrackId": "track-1", "type": "actionCallback", "spaceType": "IM_ROBOT",
              "content": json.dumps({"cardPrivateData": {"actionIds": ["approve"],
                                                         "params": {"application": "1"}}})}
DING_EVENT = {"EventType": "user_add_org", "UserId": ["wangfang"], "CorpId": "dingcorp",
              "TimeStamp": "1700000000000"}


@fuzz(150)
@given(body=st.one_of(bodies(DING_ROBOT), bodies(DING_CLICK)))
def test_fuzzed_dingtalk_robot_http(inbound: Inbound, body: bytes) -> None:
    body = fresh(body, "msg1")
    stamp = int(time.time() * 1000)
    headers = {"content-type": "application/json", "timestamp": str(stamp),
               "sign": dingtalk_signature(inbound.dingtalk_secret, stamp)}
    body = body.replace(b'"SESSION"', f'"{inbound.dingtalk_url}/robot/session/m"'.encode())
    inbound.send("dingtalk robot (HTTP mode)", lambda: inbound.http.post(
        "/dingtalk/robot", content=body, headers=headers))


@fuzz(80)
@given(event=st.one_of(mutated(DING_EVENT), json_values))
def test_fuzzed_dingtalk_event_subscription(inbound: Inbound, event: Any) -> None:
    from dingtalk.crypto import DingTalkCrypto

    crypto = DingTalkCrypto(inbound.dingtalk_token, inbound.dingtalk_aes_key,
                            inbound.dingtalk_client_id)
    sealed = crypto.encrypt_message(json.dumps(event, ensure_ascii=False))
    params = {"signature": sealed["msg_signature"], "timestamp": sealed["timeStamp"],
              "nonce": sealed["nonce"]}
    inbound.send("dingtalk event subscription", lambda: inbound.http.post(
        "/dingtalk/callback", params=params, json={"encrypt": sealed["encrypt"]}))


# -- ERP API -----------------------------------------------------------------------------------
ORDER_CHECK = {"business_unit": "IND", "customer_external_id": "C1", "external_id": "SO-1",
               "amount": "60,000", "currency": "CNY"}
INVOICES = {"records": [{"business_unit": "IND", "external_id": "INV-1",
                         "customer_external_id": "C1", "amount": "1000",
                         "issued_on": "2026-02-01", "due_on": "2026-03-31"}]}
PUSH_PATHS = ["/api/v1/customers", "/api/v1/deliveries", "/api/v1/invoices",
              "/api/v1/payments", "/api/v1/credit-notes"]


@fuzz(120)
@given(path=st.sampled_from(["/api/v1/orders/check", *PUSH_PATHS]),
       body=st.one_of(bodies(ORDER_CHECK), bodies(INVOICES)))
def test_fuzzed_erp_api_bodies(inbound: Inbound, path: str, body: bytes) -> None:
    headers = {"Authorization": f"Bearer {inbound.api_key}",
               "content-type": "application/json"}
    inbound.send("erp api", lambda: inbound.http.post(path, content=body, headers=headers))


@fuzz(60)
@given(ref=st.text(min_size=1, max_size=40), order=st.text(min_size=1, max_size=40),
       verb=st.sampled_from(["confirm", "ship", "invoice", "cancel"]), body=bodies({}))
def test_fuzzed_erp_api_paths(inbound: Inbound, ref: str, order: str, verb: str,
                              body: bytes) -> None:
    headers = {"Authorization": f"Bearer {inbound.api_key}"}
    quote = urllib.parse.quote
    inbound.send("erp api paths", lambda: inbound.http.get(
        f"/api/v1/customers/{quote(ref, safe='')}/credit", headers=headers))
    inbound.send("erp api paths", lambda: inbound.http.post(
        f"/api/v1/orders/{quote(order, safe='')}/{verb}", content=body,
        headers={**headers, "content-type": "application/json"}))


# -- the emulator ------------------------------------------------------------------------------
@fuzz(100)
@given(path=st.sampled_from(["/emulator/api/send", "/emulator/api/action"]),
       body=st.one_of(bodies({"text": "额度 华为", "client_id": "c-1"}),
                      bodies({"message_id": 1, "index": 0, "form": {"reason": "x"},
                              "client_id": "c-2"})))
def test_fuzzed_emulator_api(inbound: Inbound, path: str, body: bytes) -> None:
    body = fresh(body, "c-1", "c-2")
    inbound.send("emulator api", lambda: inbound.emulator.post(
        path, content=body, headers={"content-type": "application/json"}))


def test_report_fuzz_cases() -> None:
    """Prints how many fuzzed requests each endpoint took (run with -s to see it)."""
    print("\nfuzz cases run:", dict(CASES), "total", sum(CASES.values()))
    print("answers:", dict(sorted(STATUSES.items())))
