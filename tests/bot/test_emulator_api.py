"""The emulator's JSON API: who may read and tap what, repeated requests, demo-only."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bot.web.app import create_app
from credit_domain.i18n import Text
from credit_domain.orgs.people import find_person
from credit_domain.outbox.port import OutgoingMessage
from tests.handlers.world import seed


def signed_in(rt: Any, login: str) -> tuple[TestClient, int]:
    with rt.domain.read() as session:
        pid = find_person(session, login).id
    client = TestClient(create_app(rt))
    client.post("/login/emulator", data={"person_id": pid, "next": "/"})
    return client, pid


def messages(client: TestClient, feed: str) -> list[dict[str, Any]]:
    r = client.get("/emulator/api/messages", params={"feed": feed})
    assert r.status_code == 200
    return list(r.json()["messages"])


def test_a_message_sent_twice_by_the_page_counts_once(make_runtime: Any) -> None:
    rt = make_runtime(emulator=True)
    seed(rt.domain)
    client, pid = signed_in(rt, "wangfang")
    for _ in range(2):
        assert client.post("/emulator/api/send",
                           json={"text": "额度 华为", "client_id": "c-1"}).json() == {"ok": True}
    shown = messages(client, f"dm:{pid}")
    assert [m["from_bot"] for m in shown] == [False, True]
    assert "华为技术有限公司" in shown[1]["html"]


def test_nobody_reads_or_taps_someone_elses_conversation(make_runtime: Any) -> None:
    rt = make_runtime(emulator=True)
    seed(rt.domain)
    li, li_id = signed_in(rt, "liqiang")
    li.post("/emulator/api/send", json={"text": "额度 华", "client_id": "c-2"})
    choice = messages(li, f"dm:{li_id}")[-1]
    wang, _ = signed_in(rt, "wangfang")
    assert messages(wang, f"dm:{li_id}") == []
    r = wang.post("/emulator/api/action", json={"message_id": choice["id"], "index": 0},
                  headers={"accept-language": "en"})
    assert r.status_code == 400 and r.json() == {"error": "You cannot act on that message."}
    ok = li.post("/emulator/api/action", json={"message_id": choice["id"], "index": 1})
    assert ok.status_code == 200
    [replaced] = [m for m in messages(li, f"dm:{li_id}") if m["id"] == choice["id"]]
    assert replaced["version"] == 2 and "杭州华东精密机械有限公司" in replaced["html"]
    gone = li.post("/emulator/api/action", json={"message_id": choice["id"], "index": 7},
                   headers={"accept-language": "zh-CN"})
    assert gone.json() == {"error": "该按钮已不存在。"}


def test_channel_feeds_are_for_their_business_unit(make_runtime: Any) -> None:
    rt = make_runtime(emulator=True)
    seed(rt.domain)
    title = Text("Pending my decision", "handlers").to_json()
    rt.domain.ports["notifier"].send(OutgoingMessage(1, "x", {"title": title}, None,
                                                     "ind-alerts", 1, None, 0))
    wang, _ = signed_in(rt, "wangfang")  # IND
    gao, _ = signed_in(rt, "gaoyuan")  # CON
    assert [f["name"] for f in wang.get("/emulator/api/feeds").json()["feeds"]] == [
        "creditbot", "#ind-alerts"]
    assert [f["name"] for f in gao.get("/emulator/api/feeds").json()["feeds"]] == ["creditbot"]
    assert messages(gao, "channel:ind-alerts") == []
    assert len(messages(wang, "channel:ind-alerts")) == 1


def test_the_emulator_exists_only_in_the_demo(make_runtime: Any) -> None:
    rt = make_runtime(emulator=False)
    client = TestClient(create_app(rt))
    assert client.get("/emulator/api/feeds").status_code == 404
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert "emulator" not in rt.domain.ports["notifier"].outlets


def test_a_notification_updates_a_card_shown_in_a_reply(make_runtime: Any, registry: Any
                                                        ) -> None:
    from bot.messages import Card, Reply

    registry.renderers["test.refresh"] = lambda payload, rc: Reply(
        card=Card("华为技术有限公司 (refreshed)", key=payload["key"]), replace_original=True)
    rt = make_runtime(emulator=True)
    seeded = seed(rt.domain)
    client, pid = signed_in(rt, "wangfang")
    client.post("/emulator/api/send", json={"text": "额度 华为", "client_id": "c-9"})
    rt.domain.ports["notifier"].send(OutgoingMessage(
        3, "test.refresh", {"key": f"credit:{seeded.huawei}"}, pid, None, None, None, 0))
    shown = messages(client, f"dm:{pid}")
    assert len(shown) == 2 and shown[1]["version"] == 2
    assert "(refreshed)" in shown[1]["html"]
