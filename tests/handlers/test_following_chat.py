"""Following applications in chat: the timeline (status / 进度), my applications, pending my
decision, the home screen sections."""

from __future__ import annotations

import pytest

from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from tests.handlers.apps import EN_CARDS, button, notification, submit_by_chat
from tests.handlers.platform import TestPlatform


@pytest.fixture
def number(talk: TestPlatform, domain: Domain, clock: FrozenClock) -> str:
    """王芳's temporary limit, approved by 李强 at 09:30, now with Emma Li or 张伟."""
    card = submit_by_chat(talk, "temp 华为 10万 30天 旺季备货")
    clock.advance(minutes=30)
    approve = button(notification(domain, "application.pending_approval", "liqiang"),
                     "app.approve")
    talk.tap(approve, user="liqiang", form={"reason": "同意"})
    talk.replies.clear()
    assert card.card is not None
    return card.card.title.split(" · ")[0]


def test_status_shows_who_did_what_when_and_who_has_it_now(talk: TestPlatform,
                                                           number: str) -> None:
    [card] = talk.push(f"status {number}", user="wangfang")
    assert card.card is not None and card.card.key is not None
    assert card.card.subtitle == "temporary limit · ¥100,000.00 · in approval"
    timeline, waiting = card.card.sections
    assert timeline.title == "Timeline" and timeline.text is not None
    assert timeline.text.splitlines() == ["09:00 王芳 submitted: 旺季备货",
                                          "09:30 李强 approved · sales manager: 同意"]
    assert waiting.title == "Pending"
    assert waiting.text == ("▶ finance manager: Emma Li, since 09:30, due 17:30\n"
                            "▶ finance manager: 张伟, since 09:30, due 17:30")
    [chinese] = TestPlatform(talk.domain).push(f"进度 {number[4:]}", user="wangfang")
    assert chinese.card is not None and chinese.card.sections[0].title == "进度"


def test_status_refuses_clearly(talk: TestPlatform, number: str) -> None:
    assert talk.push("status APP-2026-999999", user="wangfang")[0].text == (
        "⚠️ Credit application APP-2026-999999 does not exist.")
    assert talk.push(f"status {number}", user="wulei")[0].text == (
        f"⚠️ You may not see credit application {number}.")
    assert talk.push("status 华为", user="wangfang")[0].text == (
        "⚠️ “华为” is not an application number like APP-2026-000123. Usage: status APP-…")


def test_my_applications_and_pending_lists(talk: TestPlatform, number: str) -> None:
    [mine] = talk.push("my applications", user="wangfang")
    assert mine.card is not None and mine.card.sections[0].text == (
        f"{number} · 华为技术有限公司 · temporary limit · ¥100,000.00 · in approval "
        "(Emma Li、张伟)")
    [timeline] = talk.tap(mine.card.buttons[0], user="wangfang")
    assert timeline.card is not None and timeline.card.sections[0].title == "Timeline"

    [waiting] = talk.push("pending", user="zhangwei")
    assert waiting.card is not None and waiting.card.title == "Pending my decision (1)"
    assert waiting.card.sections[0].text == (
        f"{number} · 华为技术有限公司 · temporary limit · ¥100,000.00 · 王芳 · "
        "finance manager since 09:30, due 17:30")
    [card] = talk.tap(waiting.card.buttons[0], user="zhangwei")
    assert card.card is not None and [b.action_id for b in card.card.buttons][:1] == [
        "app.approve"]
    zh = TestPlatform(talk.domain)
    assert zh.push("待我审批", user="liqiang")[0].text == "目前没有等待您审批的申请。"
    assert zh.push("我的申请", user="wulei")[0].text == (
        "您还没有申请。申请方式：申请授信 客户 金额 原因")


def test_home_sections(talk: TestPlatform, number: str) -> None:
    router = talk.conversations.router
    ctx = talk.conversations.context_for(talk.envelope("zhangwei"), EN_CARDS)
    assert ctx is not None
    sections = {s.title: s.text for s in router.home(ctx)}
    assert sections["Pending my decision"] is not None
    assert sections["Pending my decision"].startswith(f"{number} · 华为技术有限公司")
    assert sections["My applications"] == ("You have no applications yet. Apply with: apply "
                                           "CUSTOMER AMOUNT REASON")
    mine = talk.conversations.context_for(talk.envelope("wangfang"), EN_CARDS)
    assert mine is not None
    assert dict((s.title, s.text) for s in router.home(mine))["My applications"] == (
        f"{number} · 华为技术有限公司 · temporary limit · ¥100,000.00 · in approval "
        "(Emma Li、张伟)")
