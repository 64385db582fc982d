"""The web emulator in headless Chromium (Debian's chromium through Playwright): sign in as a
salesperson, ask for a customer's credit, see the card; a manager picks from a choice card and
the card turns into the answer; alerts appear in direct messages and channel feeds."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from bot.web.app import create_app
from credit_domain.i18n import Text
from credit_domain.orgs.people import find_person
from credit_domain.outbox.port import OutgoingMessage
from tests.bot.server import serving
from tests.conftest import needs_service
from tests.handlers.world import seed

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("CREDITBOT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        needs_service(f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def emulator(make_runtime: Any) -> Iterator[tuple[str, Any]]:
    rt = make_runtime(emulator=True)
    seed(rt.domain)
    with serving(create_app(rt)) as url:
        yield url, rt


def sign_in(page: Any, url: str, name: str) -> None:
    page.goto(url + "/")
    page.wait_for_url("**/login?next=/")
    page.get_by_role("button", name=name).click()
    page.wait_for_url(url + "/")
    page.locator("#emu-me", has_text=name).wait_for()


def say(page: Any, text: str) -> None:
    page.fill("#emu-input", text)
    page.press("#emu-input", "Enter")


def test_salesperson_asks_for_credit_and_sees_the_card(browser: Any, emulator: Any) -> None:
    url, _rt = emulator
    page = browser.new_page(locale="zh-CN")
    sign_in(page, url, "王芳")
    assert page.locator(".emu-warning").is_visible()  # clearly a demo
    say(page, "credit 华为")
    card = page.locator(".msg.bot .cb-card").last
    card.wait_for()
    assert card.locator(".cb-title").inner_text() == "华为技术有限公司"
    available = card.locator(".cb-field", has=page.locator(".cb-label", has_text="可用额度"))
    assert available.locator(".cb-value").inner_text() == "¥40万"
    assert "tone-warn" in (card.get_attribute("class") or "")
    assert page.locator(".msg.me").last.inner_text() == "credit 华为"


def test_manager_taps_a_choice_and_the_card_becomes_the_answer(browser: Any,
                                                               emulator: Any) -> None:
    url, _rt = emulator
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    sign_in(page, url, "李强")
    say(page, "额度 华")
    choice = page.locator(".cb-card", has_text="您指的是哪个客户？")
    choice.wait_for()
    choice.get_by_role("button", name="杭州华东精密机械有限公司 · 工业品事业部").click()
    page.locator(".cb-title", has_text="杭州华东精密机械有限公司").wait_for()
    assert page.locator(".cb-card", has_text="您指的是哪个客户？").count() == 0  # replaced
    assert page.locator(".cb-section-title", has_text="信用冻结中").is_visible()
    box = page.locator("#emu-input").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390  # fits the phone


def test_alerts_arrive_in_direct_messages_and_channel_feeds(browser: Any,
                                                            emulator: Any) -> None:
    url, rt = emulator
    with rt.domain.read() as session:
        wang = find_person(session, "wangfang").id
    notifier = rt.domain.ports["notifier"]
    title = Text("On hold since {date}", "handlers", {"date": "2026-03-01"}).to_json()
    page = browser.new_page()
    sign_in(page, url, "王芳")
    notifier.send(OutgoingMessage(1, "monitoring.hold", {"title": title, "tone": "danger"},
                                  wang, None, None, None, 0))
    page.locator(".cb-title", has_text="自 2026-03-01 起冻结").wait_for()  # polled in
    notifier.send(OutgoingMessage(2, "monitoring.hold", {"title": title}, None,
                                  "credit-alerts", 1, None, 0))
    feed = page.locator("#emu-feeds button", has_text="#credit-alerts")
    feed.wait_for(timeout=10_000)
    feed.click()
    page.locator(".cb-title", has_text="自 2026-03-01 起冻结").wait_for()
    assert page.locator(".msg").count() == 1  # the channel's feed only
