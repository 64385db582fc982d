"""The API, `creditbot kpis --json`, the web page, the XLSX export and the chat card show the
same figures for the same scope and date; API keys see only their business units."""

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.bootstrap import Runtime
from bot.cli import app as cli_app
from bot.web.app import create_app
from credit_domain.access import load_actor
from credit_domain.analytics.services import KpiQuery, run_kpis
from credit_domain.analytics.tables import display, summary_rows
from credit_domain.apikeys.services import create_key
from handlers.dashboard import summary_card
from tests.analytics_book import TODAY, Book, build_book

SCOPE = "bu:IND,region:EAST"
Site = tuple[Runtime, Book]


@pytest.fixture
def site(make_runtime: Any) -> Site:
    rt: Runtime = make_runtime(emulator=True, secret_key="s3cret-for-tests")
    return rt, build_book(rt.domain)


def api_key(rt: Runtime, units: list[str], scopes: list[str]) -> str:
    with rt.domain.uow() as uow:
        _key, token = create_key(uow, "BI", business_unit_codes=units, scopes=scopes)
        uow.commit()
    return token


def test_every_surface_agrees(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    rt, book = site
    with rt.domain.read() as s:
        finance = load_actor(s, book.finance)
    report = run_kpis(rt.domain, finance, KpiQuery(SCOPE, TODAY, 3))
    expected = report.to_json()
    assert expected["totals"]["exposure"] == "318000.00"

    client = TestClient(create_app(rt))
    token = api_key(rt, ["IND"], ["analytics:read"])
    api = client.get("/api/v1/analytics/kpis",
                     params={"scope": SCOPE, "as_of": "2026-03-02", "months": 3},
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.json() == expected

    @contextmanager
    def same_runtime() -> Iterator[Runtime]:
        yield rt

    monkeypatch.setattr("bot.cli.analytics.runtime", same_runtime)
    result = CliRunner().invoke(cli_app, ["kpis", "--scope", SCOPE, "--as-of", "2026-03-02",
                                          "--months", "3", "--json", "--as", "张伟"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected

    client.post("/login/emulator", data={"person_id": book.finance})
    page = client.get("/dashboard", params={"scope": SCOPE, "as_of": "2026-03-02"},
                      headers={"accept-language": "en"})
    tiles = re.findall(r'<span class="tile-label">(.*?)</span><span class="tile-value">(.*?)'
                       r"</span>", page.text)
    shown = [(label.render("en"), display(value, kind, "en"))
             for label, value, kind in summary_rows(report)]
    shown += [(x.label.render("en"), display(x.value, x.unit, "en")) for x in report.extras]
    assert ("Pending applications", "0") in shown
    assert tiles == shown

    xlsx = client.get("/dashboard/export/summary.xlsx",
                      params={"scope": SCOPE, "as_of": "2026-03-02"},
                      headers={"accept-language": "en"})
    sheet = {r[0]: r[1] for r in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(
        min_row=4, values_only=True)}
    assert Decimal(str(sheet["Exposure"])) == Decimal(expected["totals"]["exposure"])
    assert Decimal(str(sheet["CEI"])) == Decimal(expected["collection"]["cei"])
    assert Decimal(str(sheet["Count-back DSO"])) == Decimal(
        expected["collection"]["countback_dso"])

    card = summary_card(report, "en")
    fields = {f.label: f.value for f in card.fields}
    assert fields["Exposure"] == dict(tiles)["Exposure"] == "¥318,000.00"
    assert fields["CEI"] == dict(tiles)["CEI"]
    assert fields["Pending applications"] == dict(tiles)["Pending applications"]


def test_api_keys_see_only_their_business_units(site: Site) -> None:
    rt, _book = site
    client = TestClient(create_app(rt))
    ind = {"Authorization": f"Bearer {api_key(rt, ['IND'], ['analytics:read'])}"}
    everything = client.get("/api/v1/analytics/kpis", headers=ind).json()
    assert everything["totals"]["receivables"] == "241000.00"  # not CON's 500,000
    assert [g["scope"] for g in everything["drill"]] == ["bu:IND,region:EAST",
                                                         "bu:IND,region:SOUTH"]
    refused = client.get("/api/v1/analytics/kpis", params={"scope": "bu:CON"}, headers=ind)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    bad = client.get("/api/v1/analytics/kpis", params={"as_of": "yesterday"}, headers=ind)
    assert bad.status_code == 400
    future = client.get("/api/v1/analytics/kpis", headers=ind,
                        params={"as_of": (TODAY + dt.timedelta(days=1)).isoformat()})
    assert future.status_code == 400 and "future" in future.json()["message"]
    erp = {"Authorization": f"Bearer {api_key(rt, ['IND'], ['erp:read'])}"}
    assert client.get("/api/v1/analytics/kpis", headers=erp).status_code == 403
    assert client.get("/api/v1/analytics/kpis").status_code == 401
