"""What the features raise reaches people: in `creditbot serve` the dispatcher delivers the
outbox through ``domain.ports["notifier"]`` into the emulator's feeds, and the card's button
opens the customer page."""

import re
from typing import Any

from fastapi.testclient import TestClient

from bot.monitoring import DispatcherComponent, make_dispatcher
from bot.web.app import create_app
from credit_domain.access import Actor
from credit_domain.accounts.holds import place_hold
from tests.integration_world import make_shop


def test_a_hold_alert_reaches_the_owners_feed_and_opens_the_customer_page(
        make_runtime: Any) -> None:
    rt = make_runtime(emulator=True, secret_key="s3cret-for-tests", scheduler=True)
    assert any(isinstance(c, DispatcherComponent) for c in rt.background)
    shop = make_shop(rt.domain)
    with rt.domain.uow() as uow:
        place_hold(uow, shop.account_id, "征信严重负面信号：股权冻结", Actor.system("test"),
                   cause="bureau")
        uow.commit()
    report = make_dispatcher(rt.domain, rt.settings).run_once()
    # The salesperson and the #credit-alerts channel are reachable in the emulator; the
    # shop's other people have no chat account linked (their messages are dead letters).
    assert report.sent == 2 and report.retried == 0
    client = TestClient(create_app(rt))
    client.post("/login/emulator", data={"person_id": shop.sales_id, "next": "/"})
    feed = client.get("/emulator/api/messages", params={"feed": f"dm:{shop.sales_id}"},
                      headers={"accept-language": "zh-CN"}).json()["messages"]
    [card] = [m["html"] for m in feed if "信用冻结" in m["html"]]
    assert "股权冻结" in card
    link = re.search(r'href="http://[^/"]+(/customers/\d+)"', card)
    assert link is not None and link.group(1) == f"/customers/{shop.customer_id}"
    assert client.get(link.group(1)).status_code == 200
