"""An application in the web emulator, in headless Chromium: the salesperson applies in one
sentence and submits, the manager and then finance approve on the cards that arrive in their
chats, and the salesperson sees the result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.web.app import create_app
from tests.bot.server import serving
from tests.bot.test_emulator_browser import browser, say, sign_in  # noqa: F401  (fixture)
from tests.handlers.apps import latest, workflow_world

pytestmark = pytest.mark.browser


@pytest.fixture
def emulator(make_runtime: Any) -> Iterator[tuple[str, Any]]:
    """The emulator with the outbox dispatcher running (business rules off for the unit)."""
    rt = make_runtime(emulator=True)
    workflow_world(rt.domain)
    with serving(create_app(rt)) as url:
        yield url, rt


def person(browser: Any, url: str, name: str) -> Any:  # noqa: F811
    """A page signed in as ``name`` in a context of its own (its own session cookie)."""
    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}
                               ).new_page()
    sign_in(page, url, name)
    return page


def card(page: Any, text: str) -> Any:
    found = page.locator(".msg.bot .cb-card", has_text=text).last
    found.wait_for(timeout=15_000)
    return found


def test_a_salesperson_applies_and_two_approvers_decide_on_the_cards(
        browser: Any, emulator: Any) -> None:  # noqa: F811
    url, rt = emulator
    wang = person(browser, url, "王芳")
    say(wang, "申请临时额度 华为 10万 30天 旺季备货")
    confirmation = card(wang, "请核对后提交")
    assert "1. 销售经理: 李强" in confirmation.inner_text()
    confirmation.get_by_role("button", name="提交").click()
    wang.locator(".cb-title", has_text="APP-").wait_for()
    number = latest(rt.domain).number
    assert wang.locator(".cb-card", has_text="请核对后提交").count() == 0  # replaced in place

    li = person(browser, url, "李强")
    approval = card(li, number)
    assert "提交时的信用状况" in approval.inner_text()
    assert "可用额度" in approval.inner_text() and "¥40万" in approval.inner_text()
    approval.get_by_role("button", name="同意").click()
    li.locator(".cb-card", has_text="李强 已批准").wait_for()
    assert li.locator(".cb-card", has_text=number).last.get_by_role(
        "button", name="同意").count() == 0  # decided: no more buttons

    zhang = person(browser, url, "张伟")
    approval = card(zhang, number)
    approval.get_by_role("button", name="同意").click()
    zhang.locator(".cb-card", has_text="已批准：张伟").wait_for()

    outcome = wang.locator(".msg.bot", has_text=f"{number} 已批准").last
    outcome.wait_for(timeout=15_000)  # polled in
    assert "临时授信" in outcome.inner_text()
    assert latest(rt.domain).status == "approved"
