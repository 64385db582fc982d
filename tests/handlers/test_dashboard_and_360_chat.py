"""The dashboard commands and the 360° customer view in chat, scoped to the asker, with
one-time sign-in links and chart images when a web server is there."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_domain.access import load_actor
from credit_domain.accounts.models import CreditAccount
from credit_domain.analytics.services import KpiQuery, run_kpis
from credit_domain.bootstrap import Domain
from handlers.dashboard import DRILL_ACTION
from tests.handlers.apps import EN_CARDS, Shop, person_id, submit_by_chat
from tests.handlers.platform import TestPlatform


class FakeWeb:
    """The web layer's links, recorded."""

    def __init__(self) -> None:
        self.signed: list[tuple[int, str]] = []

    def sign_in(self, person_id: int, next_path: str) -> str:
        self.signed.append((person_id, next_path))
        return f"https://creditbot.example/login/link/t{len(self.signed)}"

    def aging_chart(self, person_id: int, scope: str, as_of: dt.date, months: int,
                    locale: str) -> str:
        return f"https://creditbot.example/charts/aging.png?p={person_id}&s={scope}&l={locale}"


@pytest.fixture
def web() -> FakeWeb:
    return FakeWeb()


@pytest.fixture
def talk(domain: Domain, shop: Shop, web: FakeWeb) -> TestPlatform:
    platform = TestPlatform(domain, capabilities=EN_CARDS)
    platform.conversations.web = web
    return platform


def customer_of(domain: Domain, account_id: int) -> int:
    with domain.read() as s:
        return s.get_one(CreditAccount, account_id).customer_id


def fields(card: object) -> dict[str, str]:
    return {f.label: f.value for f in card.fields}  # type: ignore[attr-defined]


def test_dashboard_is_the_askers_scope_with_links(talk: TestPlatform, domain: Domain,
                                                  web: FakeWeb) -> None:
    [reply] = talk.push("dashboard", user="liqiang")
    card = reply.card
    assert card is not None and card.title.startswith("Credit dashboard")
    with domain.read() as s:
        actor = load_actor(s, person_id(domain, "liqiang"))
    report = run_kpis(domain, actor, KpiQuery())
    assert fields(card)["Exposure"] == "¥200,000.00" == f"¥{report.totals.exposure:,.2f}"
    assert fields(card)["Overdue customers"] == "1"
    li = person_id(domain, "liqiang")
    assert card.image is not None and card.image.url == (
        f"https://creditbot.example/charts/aging.png?p={li}&s={report.scope}&l=en")
    link = next(b for b in card.buttons if b.url)
    assert link.url == "https://creditbot.example/login/link/t1"
    assert web.signed[0][0] == li and web.signed[0][1].startswith("/dashboard?scope=")
    [region] = [b for b in card.buttons if b.action_id == DRILL_ACTION]
    assert region.label == "华东区"
    [deeper] = talk.tap(region, user="liqiang")  # a new card: the summary stays
    assert deeper.card is not None and not deeper.replace_original
    assert deeper.card.title == "Credit dashboard · IND unit / 华东区"
    assert fields(deeper.card)["Exposure"] == "¥200,000.00"


def test_the_lists_are_scoped_to_the_asker(talk: TestPlatform) -> None:
    [overdue] = talk.push("overdue", user="wangfang")
    assert overdue.card is not None
    assert "华为技术有限公司 (王芳): ¥50,000.00" in overdue.as_text()
    [other_unit] = talk.push("overdue", user="gaoyuan")
    assert "华为" not in other_unit.as_text() and "No customer is overdue." in \
        other_unit.as_text()
    [top] = talk.push("top exposure", user="wulei")
    assert "华为" not in top.as_text()  # 王芳's customer, not his
    [aging] = talk.push("aging", user="wangfang")
    assert aging.card is not None and aging.card.image is not None
    assert fields(aging.card)["1–30 days"] == "¥50,000.00"
    [chinese] = TestPlatform(talk.domain).push("账龄", user="wangfang")
    assert chinese.card is not None and chinese.card.title.startswith("应收账龄")


def test_a_bad_scope_or_date_is_refused(talk: TestPlatform) -> None:
    [said] = talk.push("dashboard team:NOPE", user="liqiang")
    assert said.text is not None and said.text.startswith("⚠️")
    [said] = talk.push("看板 2026-02-30", user="liqiang")
    assert said.text == "⚠️ 2026-02-30 is not a date of the calendar."
    [said] = talk.push("dashboard CON", user="wangfang")  # a unit she holds no role in
    assert said.text is not None and said.text.startswith("⚠️")


def test_the_360_view_on_a_phone(talk: TestPlatform, domain: Domain, shop: Shop,
                                 web: FakeWeb) -> None:
    card = submit_by_chat(talk, "temp 华为 10万 30天 旺季备货").card
    assert card is not None
    number = card.title.split(" · ")[0]
    [reply] = talk.push("customer 华为", user="liqiang")
    view = reply.card
    assert view is not None and view.title == "华为技术有限公司"
    [unit] = view.sections[:1]
    assert unit.title == "IND unit · 王芳"
    assert fields(unit) == {
        "Credit limit": "¥500,000.00 + ¥100,000.00", "Exposure": "¥200,000.00",
        "Available": "¥400,000.00", "Utilisation": "33%", "Overdue": "¥50,000.00",
        "Grade / score": "not scored"}
    assert unit.text is not None
    assert "Aging: Current ¥120,000.00 · 1–30 days ¥50,000.00" in unit.text
    assert f"{number}: temporary limit ¥100,000.00, in approval (李强)" in unit.text
    assert [b.label for b in view.buttons] == [number, "Open on the web"]
    assert web.signed[-1] == (person_id(domain, "liqiang"),
                              f"/customers/{customer_of(domain, shop.seeded.huawei)}")
    [timeline] = talk.tap(view.buttons[0], user="liqiang")
    assert timeline.card is not None and timeline.card.sections[0].title == "Timeline"


def test_the_360_view_finds_only_what_the_asker_may_see(talk: TestPlatform) -> None:
    [said] = talk.push("客户 广州华南", user="wangfang")
    assert said.text == ("⚠️ None of the customers you may see matches “广州华南”. Try part of "
                         "the name, a short name or the USCC.")
    [choice] = talk.push("customer 华", user="liqiang")
    assert choice.card is not None and choice.card.title == "Which customer do you mean?"
    assert len(choice.card.buttons) == 3
    hold = next(b for b in choice.card.buttons if "华东" in b.label)
    [picked] = talk.tap(hold, user="liqiang")
    assert picked.replace_original and picked.card is not None
    assert picked.card.tone == "danger"
    assert picked.card.sections[0].title == "IND unit · 吴磊 · on hold: 逾期超过90天"
