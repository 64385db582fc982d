"""The chat notifier: outbox payloads rendered in each reader's language and delivered to the
emulator and Slack (a fake Slack on 127.0.0.1), once per platform even when retried."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery import ChatNotifier
from credit_domain.conversations.models import EmulatorMessage
from credit_domain.i18n import Text
from credit_domain.orgs.people import find_person, link_identity
from credit_domain.outbox.port import DeliveryFailed, OutgoingMessage
from tests.bot.slack.fake_slack import FakeSlack
from tests.handlers.world import seed


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def alert(id_: int = 1, **kw: Any) -> OutgoingMessage:
    payload = {
        "title": Text("On hold since {date}", "handlers", {"date": "2026-03-01"}).to_json(),
        "tone": "warn",
        "lines": [Text("Credit limit", "handlers").to_json()],
        "fields": [{"label": Text("Overdue", "handlers").to_json(), "value": "¥50,000.00"}],
        "link": "/customers/1",
    }
    values: dict[str, Any] = {"id": id_, "kind": "monitoring.overdue", "payload": payload,
                              "person_id": None, "channel": None, "business_unit_id": None,
                              "platform": None, "attempts": 0}
    values.update(kw)
    return OutgoingMessage(**values)


def person_id(rt: Any, login: str) -> int:
    with rt.domain.read() as session:
        return find_person(session, login).id


def feed(rt: Any, name: str) -> list[EmulatorMessage]:
    with rt.domain.read() as session:
        return list(session.scalars(select(EmulatorMessage).where(EmulatorMessage.feed == name)
                                    .order_by(EmulatorMessage.id)))


def test_the_notifier_is_the_domain_port(make_runtime: Any) -> None:
    rt = make_runtime(emulator=True)
    assert isinstance(rt.domain.ports["notifier"], ChatNotifier)


def test_alert_reaches_each_person_in_their_language(make_runtime: Any) -> None:
    rt = make_runtime(emulator=True, public_url="https://credit.example.com")
    seed(rt.domain)
    notifier = rt.domain.ports["notifier"]
    wang, emma = person_id(rt, "wangfang"), person_id(rt, "emma")
    notifier.send(alert(1, person_id=wang))
    notifier.send(alert(2, person_id=emma))
    [zh] = feed(rt, f"dm:{wang}")
    [en] = feed(rt, f"dm:{emma}")
    assert zh.card is not None and en.card is not None
    assert zh.card["title"] == "自 2026-03-01 起冻结"
    assert en.card["title"] == "On hold since 2026-03-01"
    assert zh.card["sections"][0]["text"] == "信用额度"
    assert zh.card["tone"] == "warn"
    assert zh.card["fields"] == [{"label": "逾期金额", "value": "¥50,000.00", "short": True}]
    assert zh.card["buttons"][0]["url"] == "https://credit.example.com/customers/1"


def test_a_retried_message_is_not_delivered_twice(make_runtime: Any, fake_slack: FakeSlack
                                                  ) -> None:
    rt = make_runtime(emulator=True, slack_bot_token="xoxb-t", slack_signing_secret="s",
                      slack_api_url=fake_slack.url + "/api/")
    seed(rt.domain)
    wang = person_id(rt, "wangfang")
    with rt.domain.uow() as uow:
        link_identity(uow, find_person(uow.session, "wangfang"), "slack", "UWANG")
        uow.commit()
    notifier = rt.domain.ports["notifier"]
    fake_slack.failures["chat.postMessage"] = (500, {"ok": False, "error": "internal_error"},
                                               {})
    with pytest.raises(DeliveryFailed) as failed:
        notifier.send(alert(5, person_id=wang))
    assert not failed.value.permanent  # Slack had a bad moment: try again later
    assert len(feed(rt, f"dm:{wang}")) == 1  # the emulator got it already
    del fake_slack.failures["chat.postMessage"]
    result = notifier.send(alert(5, person_id=wang, attempts=1))
    assert {d["platform"] for d in result["deliveries"]} == {"emulator", "slack"}
    assert len(feed(rt, f"dm:{wang}")) == 1
    posted = [c for c in fake_slack.of("chat.postMessage")]
    assert len(posted) == 2 and posted[-1].body["channel"] == "UWANG"
    assert "On hold since 2026-03-01" in posted[-1].body["text"]  # Slack's default: English


def test_channels_go_where_they_are_configured(make_runtime: Any, fake_slack: FakeSlack
                                               ) -> None:
    rt = make_runtime(emulator=True, slack_bot_token="xoxb-t", slack_signing_secret="s",
                      slack_api_url=fake_slack.url + "/api/",
                      slack_channels="credit-alerts=C0ALERTS, #risk = C0RISK")
    seeded = seed(rt.domain)
    assert seeded
    notifier = rt.domain.ports["notifier"]
    result = notifier.send(alert(7, channel="credit-alerts", business_unit_id=1))
    assert {(d["platform"], d["conversation"]) for d in result["deliveries"]} == {
        ("emulator", "channel:credit-alerts"), ("slack", "C0ALERTS")}
    [posted] = fake_slack.of("chat.postMessage")
    assert "自 2026-03-01 起冻结" in posted.body["text"]  # the business unit speaks Chinese
    [shown] = feed(rt, "channel:credit-alerts")
    assert shown.business_unit_id == 1
    # A channel Slack does not know goes only to the emulator's feed.
    notifier.send(alert(8, channel="unmapped"))
    assert len(fake_slack.of("chat.postMessage")) == 1


def test_unreachable_and_rejected_messages_fail_for_good(make_runtime: Any,
                                                         fake_slack: FakeSlack) -> None:
    rt = make_runtime(slack_bot_token="xoxb-t", slack_signing_secret="s",
                      slack_api_url=fake_slack.url + "/api/")
    seed(rt.domain)
    notifier = rt.domain.ports["notifier"]
    with pytest.raises(DeliveryFailed) as nobody:  # no Slack identity, no emulator
        notifier.send(alert(9, person_id=person_id(rt, "wangfang")))
    assert nobody.value.permanent and "not reachable" in str(nobody.value)
    fake_slack.failures["chat.postMessage"] = (200, {"ok": False,
                                                     "error": "channel_not_found"}, {})
    with pytest.raises(DeliveryFailed) as rejected:
        notifier.send(alert(10, channel="C0GONE"))
    assert rejected.value.permanent and "channel_not_found" in str(rejected.value)
    fake_slack.failures["chat.postMessage"] = (429, {"ok": False, "error": "ratelimited"},
                                               {"Retry-After": "7"})
    with pytest.raises(DeliveryFailed) as limited:
        notifier.send(alert(11, channel="C0GONE"))
    assert not limited.value.permanent and limited.value.retry_after == 7


def test_a_card_with_a_key_is_updated_in_place(make_runtime: Any, fake_slack: FakeSlack
                                               ) -> None:
    from bot.messages import Card, Reply
    from handlers.router import RenderContext, router

    def render(payload: Any, rc: RenderContext) -> Reply:
        return Reply(card=Card(f"Application {payload['state']}", key="application:42"),
                     replace_original=payload["state"] != "submitted")

    router.renderers["test.application"] = render
    try:
        rt = make_runtime(emulator=True, slack_bot_token="xoxb-t", slack_signing_secret="s",
                          slack_api_url=fake_slack.url + "/api/")
        seed(rt.domain)
        with rt.domain.uow() as uow:
            link_identity(uow, find_person(uow.session, "liqiang"), "slack", "ULI")
            uow.commit()
        li = person_id(rt, "liqiang")
        notifier = rt.domain.ports["notifier"]
        for n, state in enumerate(["submitted", "approved"]):
            notifier.send(OutgoingMessage(20 + n, "test.application", {"state": state}, li,
                                          None, None, None, 0))
        [card] = feed(rt, f"dm:{li}")
        assert card.card is not None and card.card["title"] == "Application approved"
        assert card.version == 2
        [posted] = fake_slack.of("chat.postMessage")
        [updated] = fake_slack.of("chat.update")
        assert updated.body["channel"] == "DLI" and updated.body["ts"] == "1700000000.000001"
        assert updated.body["text"] == "Application approved"
        assert posted.body["channel"] == "ULI"
    finally:
        del router.renderers["test.application"]
