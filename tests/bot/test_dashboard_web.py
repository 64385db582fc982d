"""Dashboard pages, export and chart PNG through the real ASGI app, scoped by the signed-in
person (constructed book: tests/analytics_book.py; clock frozen on 2026-03-02)."""

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bot.bootstrap import Runtime
from bot.web.app import create_app
from bot.web.chart_links import WebDashboardLinks
from credit_domain.access import load_actor
from credit_domain.accounts.models import CreditAccount
from credit_domain.analytics.customer import customer_tables, customer_view
from credit_domain.analytics.services import KpiQuery, run_kpis
from credit_domain.analytics.tables import report_tables
from credit_domain.i18n import Text
from tests.analytics_book import Book, build_book

Site = tuple[Runtime, Book]


@pytest.fixture
def site(make_runtime: Any) -> Site:
    rt: Runtime = make_runtime(emulator=True, secret_key="s3cret-for-tests")
    book = build_book(rt.domain)
    return rt, book


def signed_in(rt: Runtime, person_id: int) -> TestClient:
    client = TestClient(create_app(rt))
    r = client.post("/login/emulator", data={"person_id": person_id, "next": "/dashboard"},
                    follow_redirects=False)
    assert r.status_code == 303
    return client


def test_the_cjk_font_is_served_for_browsers_without_one(site: Site) -> None:
    rt, _book = site
    client = TestClient(create_app(rt))  # no sign-in needed: the sign-in page is Chinese too
    font = client.get("/static/fonts/cjk-sans.otf")
    assert font.status_code == 200 and font.headers["content-type"] == "font/otf"
    assert font.content[:4] == b"OTTO" and "immutable" in font.headers["cache-control"]
    assert "/static/fonts/cjk-sans.otf" in client.get("/static/app.css").text


def test_pages_need_sign_in(site: Site) -> None:
    rt, _book = site
    client = TestClient(create_app(rt))
    r = client.get("/dashboard?scope=bu:IND", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert client.get("/dashboard/export/aging.xlsx").status_code == 401
    assert client.get("/charts/aging.png").status_code == 401


def test_finance_sees_the_unit_and_drills_to_a_customer(site: Site) -> None:
    rt, book = site
    client = signed_in(rt, book.finance)
    page = client.get("/dashboard", headers={"accept-language": "zh-CN"})
    assert page.status_code == 200
    html = page.text
    # Headline figures as computed by hand (tests/credit_domain/analytics/test_kpis.py).
    for figure in ("¥450,000.00", "¥318,000.00", "¥132,000.00", "¥55,000.00", "49.5%",
                   "86.8 天", "83.0 天"):
        assert figure in html, figure
    assert "信用看板" in html and "应收账龄" in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html and "cdn" not in html.lower()
    assert 'href="/dashboard?scope=bu%3AIND%2Cregion%3AEAST' in html
    # Nothing of the other business unit leaks.
    assert "戊食品" not in html and "¥500,000.00" not in html
    team = client.get("/dashboard", params={"scope": "bu:IND,region:EAST,team:T1"})
    assert "王芳" in team.text and "丙电子" not in team.text
    customer = client.get("/dashboard", params={"scope": f"bu:IND,customer:{book.customer_a}"})
    assert customer.url.path == f"/customers/{book.customer_a}"  # the canonical address
    assert customer.url.params["bu"] == "IND"
    text = customer.text
    assert "甲精密机械有限公司" in text and "¥37,000.00" in text  # available
    assert "¥6,000.00" in text and "2026-03-01" in text  # inv5's open part; its payment
    assert 'id="panel-score"' in text and 'id="panel-bureau"' in text


def test_scope_is_enforced_on_every_page(site: Site) -> None:
    rt, book = site
    client = signed_in(rt, book.manager_1)
    assert client.get("/dashboard", params={"scope": "bu:CON"}).status_code == 403
    assert client.get(f"/dashboard/customer/{book.c}").status_code == 403  # team T2's
    assert client.get(f"/dashboard/customer/{book.e}").status_code == 403  # CON's
    with rt.domain.read() as s:
        customer_of = {a: s.get_one(CreditAccount, a).customer_id for a in (book.c, book.e)}
    assert client.get(f"/customers/{customer_of[book.c]}").status_code == 403
    assert client.get(f"/customers/{customer_of[book.e]}").status_code == 403
    assert client.get(f"/customers/{book.customer_a}", params={"bu": "CON"}).status_code == 404
    assert client.get("/dashboard/export/overdue.xlsx",
                      params={"scope": "bu:CON"}).status_code == 403
    own = client.get("/dashboard")
    assert "¥98,000.00" in own.text and "丙电子" not in own.text
    bad = client.get("/dashboard", params={"as_of": "2026-02-30"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text


def test_every_table_exports_the_cells_the_page_shows(site: Site) -> None:
    rt, book = site
    client = signed_in(rt, book.finance)
    with rt.domain.read() as s:
        actor = load_actor(s, book.finance)
    report = run_kpis(rt.domain, actor, KpiQuery("bu:IND", None, 3))
    tables = report_tables(report)
    assert {t.key for t in tables} >= {"summary", "aging", "drill", "top_exposure", "overdue",
                                       "oldest_debts", "on_hold", "utilisation", "grades",
                                       "by_region", "by_team"}
    for table in tables:
        r = client.get(f"/dashboard/export/{table.key}.xlsx", params={"scope": "bu:IND"},
                       headers={"accept-language": "en"})
        assert r.status_code == 200, table.key
        assert r.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        ws = load_workbook(io.BytesIO(r.content)).active
        rows = list(ws.iter_rows(values_only=True))
        assert rows[2] == tuple(c.label.render("en") for c in table.columns)
        expected = [tuple(v.render("en") if isinstance(v, Text) else v for v in row)
                    for row in table.rows]
        assert [tuple(row) for row in rows[3:]] == [
            tuple(_as_written(v) for v in row) for row in expected], table.key
    everything = client.get("/dashboard/export/all.xlsx", params={"scope": "bu:IND"})
    assert len(load_workbook(io.BytesIO(everything.content)).sheetnames) == len(tables)
    assert client.get("/dashboard/export/nope.xlsx").status_code == 404
    view = customer_view(rt.domain, actor, book.a)
    invoices = client.get("/dashboard/export/invoices.xlsx",
                          params={"scope": f"bu:IND,customer:{book.customer_a}"})
    sheet = load_workbook(io.BytesIO(invoices.content)).active
    assert len(list(sheet.iter_rows(values_only=True))) - 3 == len(
        customer_tables(view)[0].rows) == 4


def _as_written(value: object) -> object:
    """openpyxl reads numbers back as int/float and dates as datetimes."""
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def test_chart_png_for_a_session_or_a_signed_link_only(site: Site) -> None:
    rt, book = site
    client = signed_in(rt, book.finance)
    r = client.get("/charts/aging.png", params={"scope": "bu:IND"})
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    assert r.headers["cache-control"].startswith("private")
    anonymous = TestClient(create_app(rt))
    links = WebDashboardLinks(rt, book.manager_1)
    import datetime as dt

    url = links.aging_chart("bu:IND", dt.date(2026, 3, 2), 3, "zh_CN")
    assert anonymous.get(url).content.startswith(b"\x89PNG")
    assert anonymous.get(url[:-3] + "xyz").status_code == 403
    # The link names the person: their roles still decide what the figures cover.
    forbidden = links.aging_chart("bu:CON", dt.date(2026, 3, 2), 3, "zh_CN")
    assert anonymous.get(forbidden).status_code == 403
    page = links.page("bu:IND", dt.date(2026, 3, 2), 3)
    landed = anonymous.get(page)
    assert landed.status_code == 200 and "¥98,000.00" in landed.text
