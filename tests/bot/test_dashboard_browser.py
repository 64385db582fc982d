"""The dashboard in headless Chromium (Debian's, driven by Playwright): sign in, drill down
from business unit to region to team to salesperson to customer, export a table, and look
right on a phone. Screenshots land in /tmp/creditbot-shots/.

Needs /usr/bin/chromium: skipped with a reason outside CI, a failure in CI (.ci/run installs
it)."""

import io
import pathlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from openpyxl import load_workbook

from bot.web.app import create_app
from credit_domain.demo.seed import seed_demo
from tests.conftest import needs_service

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = pathlib.Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SHOTS = pathlib.Path("/tmp/creditbot-shots")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(make_runtime: Any) -> Iterator[str]:
    rt = make_runtime(emulator=True, secret_key="browser-test-key")
    seed_demo(rt.domain, customers=80)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(rt), host="127.0.0.1", port=port,
                                        log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator["Browser"]:
    for _ in range(10):  # Chromium may still be being installed next door
        if CHROMIUM.exists():
            break
        time.sleep(3)
    if not CHROMIUM.exists():
        needs_service("Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                          args=ARGS)
        except Error as exc:
            needs_service(f"a working Chromium ({exc})")
        try:
            yield chromium
        finally:
            chromium.close()


def test_sign_in_drill_down_and_export(server: str, browser: "Browser") -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server}/dashboard")
    assert "/login" in page.url  # not signed in yet
    page.get_by_role("button", name="陈静").click()  # credit admin of both business units
    page.wait_for_url("**/dashboard")
    assert page.locator("h1").inner_text().startswith("信用看板")
    page.wait_for_function("() => !!window.Chart && !!Chart.getChart('chart-aging')")
    # Chinese is drawn in a real font even where the system has none (served by creditbot).
    assert page.evaluate("[...document.fonts].some(f => f.family.includes('creditbot CJK')"
                         " && f.status === 'loaded')")
    page.screenshot(path=str(SHOTS / "dashboard-all.png"), full_page=True)

    drill = page.locator("#table-drill a.drill")
    assert drill.count() == 2  # the two business units
    page.locator("#table-drill a.drill", has_text="工业品事业部").click()
    page.wait_for_url("**scope=bu%3AIND**")
    assert "工业品事业部" in page.locator(".crumbs").inner_text()
    page.locator("#table-drill a.drill", has_text="华东区").click()  # level 2: region
    page.wait_for_url("**region%3AEAST**")
    page.locator("#table-drill a.drill", has_text="华东一组").click()  # level 3: team
    page.wait_for_url("**team%3AIND-E1**")
    crumbs = page.locator(".crumbs").inner_text()
    assert "华东区" in crumbs and "华东一组" in crumbs
    page.screenshot(path=str(SHOTS / "dashboard-team.png"), full_page=True)
    page.locator("#table-drill a.drill").first.click()  # level 4: a salesperson
    page.wait_for_url("**sales%3A**")
    page.locator("#table-drill a.drill").first.click()  # level 5: a customer
    page.wait_for_url("**/customers/**")
    assert page.locator("#panel-score").count() == 1
    assert page.locator("#table-invoices").count() == 1
    page.screenshot(path=str(SHOTS / "dashboard-customer.png"), full_page=True)

    page.go_back()
    page.wait_for_url("**sales%3A**")
    page.go_back()
    page.wait_for_url("**team%3AIND-E1**")
    with page.expect_download() as info:
        page.locator('a.export[data-export="overdue"]').click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(pathlib.Path(download.path()).read_bytes()))
                .active.iter_rows(values_only=True))
    assert rows[2][:3] == ("客户", "事业部", "销售员")
    shown = page.locator("#table-overdue tbody tr").count()
    empty = page.locator("#table-overdue td.empty").count()
    assert len(rows) - 3 == (0 if empty else shown)

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True, device_scale_factor=2)
    # playwright types cookies() as list[Cookie] and add_cookies as Sequence[SetCookieParam]
    # (TypedDicts of the same keys, not assignable); its own docs pass one to the other.
    phone.add_cookies(context.cookies())  # type: ignore[arg-type]
    mobile = phone.new_page()
    mobile.goto(f"{server}/dashboard?scope=bu%3AIND")
    mobile.wait_for_function("() => !!window.Chart && !!Chart.getChart('chart-aging')")
    width = mobile.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    mobile.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)
    phone.close()
    context.close()
