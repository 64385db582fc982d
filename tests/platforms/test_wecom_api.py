"""WeCom API calls as the fake received them: access tokens shared through the database and
refreshed when rejected, group-chat alerts, and failures the outbox can act on."""

from __future__ import annotations

from typing import Any

import pytest

from bot.messages import Card, Field, Reply
from bot.platform_support.tokens import TokenStore
from bot.wecom.adapter import wecom_platform
from bot.wecom.client import WeComApiError, WeComClient
from bot.wecom.sender import WeComSender
from credit_domain.clock import FrozenClock
from credit_domain.orgs.models import Person, Platform, PlatformIdentity
from credit_domain.outbox.port import DeliveryFailed
from tests.platforms.conftest import WeComSetup


def sender_of(w: WeComSetup) -> WeComSender:
    platform = wecom_platform(w.runtime)
    assert platform is not None and platform.sender is not None
    return platform.sender


def client_for(w: WeComSetup, domain: object) -> WeComClient:
    return WeComClient(corp_id=w.fake.corp_id, agent_id=w.fake.agent_id, secret=w.fake.secret,
                       api_url=f"{w.fake.url}/cgi-bin/",  # type: ignore[attr-defined]
                       tokens=TokenStore(domain))  # type: ignore[arg-type]


def test_every_process_uses_the_one_stored_token(wecom: WeComSetup, make_runtime: Any) -> None:
    sender_of(wecom).send_direct("zhangsan", Reply(text="one"))
    other_process = make_runtime()  # same database, its own memory
    client_for(wecom, other_process.domain).call(
        "post", "message/send", data={"touser": "lisi", "agentid": wecom.fake.agent_id,
                                      "msgtype": "text", "text": {"content": "two"}})
    assert wecom.fake.token_requests == 1
    assert [m["touser"] for m in wecom.fake.sent] == ["zhangsan", "lisi"]


def test_an_expired_token_is_refreshed_once_and_the_message_sent_once(
        wecom: WeComSetup) -> None:
    sender = sender_of(wecom)
    sender.send_direct("zhangsan", Reply(text="before"))
    wecom.fake.expire_tokens()  # WeCom answers 42001 from now on
    sender.send_direct("zhangsan", Reply(text="after"))
    assert wecom.fake.token_requests == 2
    assert [m["text"]["content"] for m in wecom.fake.sent] == ["before", "after"]


def test_a_token_near_its_expiry_is_replaced_before_use(wecom: WeComSetup,
                                                        clock: FrozenClock) -> None:
    sender = sender_of(wecom)
    sender.send_direct("zhangsan", Reply(text="now"))
    clock.advance(seconds=7200 - 60)
    sender.send_direct("zhangsan", Reply(text="two hours later"))
    assert wecom.fake.token_requests == 2


def test_a_wrong_secret_is_a_permanent_failure(wecom: WeComSetup) -> None:
    wecom.fake.secret = "rotated"
    with pytest.raises(DeliveryFailed) as failed:
        sender_of(wecom).send_direct("zhangsan", Reply(text="x"))
    assert failed.value.permanent and wecom.fake.sent == []


def test_an_unknown_user_is_a_permanent_failure(wecom: WeComSetup) -> None:
    wecom.fake.users = {"zhangsan"}
    with pytest.raises(DeliveryFailed) as failed:
        sender_of(wecom).send_direct("nobody", Reply(text="x"))
    assert failed.value.permanent


def test_an_unreachable_wecom_is_a_temporary_failure(wecom: WeComSetup, make_runtime: Any) -> None:
    rt = make_runtime()
    client = WeComClient(corp_id="c", agent_id=1, secret="s", api_url="http://127.0.0.1:9/",
                         tokens=TokenStore(rt.domain), timeout=2)
    sender = WeComSender(client, sender_of(wecom).sent, rt.domain)
    with pytest.raises(DeliveryFailed) as failed:
        sender.send_direct("zhangsan", Reply(text="x"))
    assert not failed.value.permanent
    assert "WeCom unreachable: gettoken" in str(failed.value)  # what the outbox list shows


def test_a_wecom_server_error_says_so() -> None:
    error = WeComApiError(None, "message/send failed", status=502)
    assert str(error) == "WeCom HTTP 502: message/send failed" and error.temporary


def test_alerts_go_to_an_app_group_chat_as_markdown(wecom: WeComSetup) -> None:
    card = Card(title="逾期预警", tone="danger", fields=(Field("客户", "华为技术"),
                                                       Field("逾期", "¥80,000.00")))
    ref = sender_of(wecom).send_channel("wrcredit-alerts", Reply(card=card))
    [message] = wecom.fake.appchat
    assert ref["chat_id"] == "wrcredit-alerts" and message["msgtype"] == "markdown"
    assert message["markdown"]["content"].startswith("### 逾期预警")
    assert "**逾期**: ¥80,000.00" in message["markdown"]["content"]
    with pytest.raises(DeliveryFailed):
        sender_of(wecom).send_channel("wrno-such-chat", Reply(text="x"))


def test_a_person_is_reached_through_their_wecom_identity(wecom: WeComSetup) -> None:
    with wecom.runtime.domain.uow() as uow:
        person = Person(name="王芳", active=True)
        person.identities.append(PlatformIdentity(platform=Platform.WECOM, tenant="",
                                                  external_id="wangfang"))
        uow.session.add(person)
        uow.commit()
    sender_of(wecom).send_to_person(person.id, Reply(text="您有一笔待审批"), outbox_id=None)
    assert wecom.fake.sent[0]["touser"] == "wangfang"
    with pytest.raises(DeliveryFailed) as failed:
        sender_of(wecom).send_to_person(person.id + 1, Reply(text="x"))
    assert failed.value.permanent


def test_long_text_is_cut_to_wecoms_limit(wecom: WeComSetup) -> None:
    sender_of(wecom).send_direct("zhangsan", Reply(text="额度" * 2000))
    content = wecom.fake.sent[0]["text"]["content"]
    assert len(content.encode()) <= 2048 and content.endswith("…")


def test_each_card_copy_gets_its_own_task_id(wecom: WeComSetup) -> None:
    from tests.platforms.test_wecom_callback import approval_card

    sender = sender_of(wecom)
    refs = [sender.send_direct(user, Reply(card=approval_card())) for user in ("a", "b", "a")]
    assert len({r["task_id"] for r in refs}) == 3  # the fake refuses a task_id used before
    assert len(wecom.fake.template_cards()) == 3


def test_without_the_callback_url_cards_go_out_as_markdown(wecom: WeComSetup) -> None:
    from bot.platform_support.refs import SentCards
    from tests.platforms.test_wecom_callback import approval_card

    client = client_for(wecom, wecom.runtime.domain)
    sender = WeComSender(client, SentCards(wecom.runtime.domain, "wecom"),
                         wecom.runtime.domain, callbacks=False)
    ref = sender.send_direct("wangfang", Reply(card=approval_card()))
    [message] = wecom.fake.sent
    assert message["msgtype"] == "markdown" and "task_id" not in ref
    assert "【批准】" in message["markdown"]["content"]
