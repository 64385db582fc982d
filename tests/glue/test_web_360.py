"""The web customer page is the 360° view (score reasons, bureau record and signals, open
applications, recent activity beside the analytics figures), and every link a notification
carries opens a page for the person it was sent to."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.web.app import create_app
from credit_domain.bureau.report import BureauReport, CompanyStatus, DishonestListing
from credit_domain.bureau.services import refresh_bureau
from credit_domain.orgs.models import Role
from credit_domain.outbox.models import OutboxMessage
from credit_domain.scoring.services import recompute_all
from tests.credit_domain.bureau.test_refresh import StubProvider
from tests.credit_domain.rules.test_default_rules import person_with
from tests.credit_domain.test_order_check import check
from tests.integration_world import Shop, make_shop, push


def signed_in(rt: Any, person_id: int) -> TestClient:
    client = TestClient(create_app(rt))
    r = client.post("/login/emulator", data={"person_id": person_id, "next": "/dashboard"},
                    follow_redirects=False)
    assert r.status_code == 303
    return client


@pytest.fixture
def world(make_runtime: Any) -> tuple[Any, Shop]:
    rt = make_runtime(emulator=True, secret_key="s3cret-for-tests")
    domain = rt.domain
    shop = make_shop(domain, limit="100000")
    push(domain, shop.bu_id, "invoice", external_id="I-1", amount="30000",
         issue_date="2026-01-10", due_date="2026-02-10")
    recompute_all(domain)
    check(domain, shop.bu_id, "SO-1", "150000")  # blocked: a release application opens
    stub = StubProvider()
    stub.reports[shop.uscc] = BureauReport(
        "stub", "华东机电有限公司", shop.uscc, CompanyStatus.ACTIVE, "存续", "张三",
        Decimal("5000000.00"), dt.date(2015, 1, 1),
        dishonest=(DishonestListing("D1", "(2026)沪01执9号", "上海一中院", dt.date(2026, 2, 20),
                                    "全部未履行"),))
    refresh_bureau(domain, provider=stub)  # a severe signal: the rules hold the account
    return rt, shop


def test_the_customer_page_is_the_360_view(world: Any) -> None:
    rt, shop = world
    client = signed_in(rt, shop.finance_id)
    page = client.get(f"/customers/{shop.customer_id}", headers={"accept-language": "zh-CN"})
    assert page.status_code == 200
    html = page.text
    score = html[html.index('id="panel-score"'):html.index('id="panel-bureau"')]
    assert "评分" in score and "/ 100" in score and "信用等级上限" in score
    assert "失信" in score  # the cap the dishonest-debtor listing put on the grade
    bureau = html[html.index('id="panel-bureau"'):html.index('id="panel-applications"')]
    assert "张三" in bureau and "被列为失信被执行人" in bureau
    apps = html[html.index('id="panel-applications"'):html.index('id="panel-timeline"')]
    assert 'href="/applications/APP-2026-000001"' in apps and "订单放行" in apps
    activity = html[html.index('id="panel-timeline"'):]
    # Each entry reads as what happened and who did it, not as audit codes.
    assert "冻结" in activity and "bureau-severe-signal-hold" in activity
    assert "hold.placed" not in activity and "system:" not in activity


def test_every_notification_link_opens_for_its_reader(world: Any) -> None:
    rt, _shop = world
    with rt.domain.read() as s:
        messages = s.scalars(select(OutboxMessage).where(
            OutboxMessage.person_id.is_not(None))).all()
    linked = [(m.person_id, m.kind, m.payload["link"]) for m in messages
              if m.payload.get("link")]
    kinds = {kind for _p, kind, _l in linked}
    assert {"application.pending_approval", "application.submitted", "bureau.signal",
            "alert.credit_hold"} <= kinds
    clients: dict[int, TestClient] = {}
    for person, kind, link in linked:
        client = clients.setdefault(person, signed_in(rt, person))
        r = client.get(link)
        assert r.status_code == 200, (kind, link, person, r.text[:300])
        assert "华东机电有限公司" in r.text, (kind, link)


def test_the_application_page_shows_its_timeline(world: Any) -> None:
    rt, shop = world
    manager = signed_in(rt, shop.manager_id)
    r = manager.get("/applications/APP-2026-000001", headers={"accept-language": "zh-CN"})
    assert r.status_code == 200
    assert "经理IND" in r.text and "SO-1" in r.text  # pending with the manager; the order
    assert f'href="/customers/{shop.customer_id}?bu=IND"' in r.text
    other = signed_in(rt, person_with(rt.domain, shop.bu_id, Role.RISK_DIRECTOR))
    assert other.get("/applications/APP-2026-000404").status_code == 404
    old = manager.get(f"/dashboard/customer/{shop.account_id}", follow_redirects=False)
    assert old.status_code == 308
    assert old.headers["location"] == f"/customers/{shop.customer_id}?bu=IND"


