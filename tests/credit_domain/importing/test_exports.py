"""Exports stream the credit book to XLSX: exposure by category and aging buckets, limited
to what the actor may see."""

import datetime as dt
from pathlib import Path

import openpyxl

from credit_domain.access import Actor, load_actor
from credit_domain.bootstrap import Domain
from credit_domain.importing.exports import export
from tests.integration_world import make_shop, money, push


def rows(path: Path) -> list[list[object]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_aging_and_exposure(domain: Domain, tmp_path: Path) -> None:
    shop = make_shop(domain, limit="100000")
    make_shop(domain, code="CON", name="西南建材有限公司", n=2)
    today = dt.date(2026, 3, 2)
    for n, days in (("I-0", -5), ("I-1", 10), ("I-2", 45), ("I-3", 75), ("I-4", 120)):
        push(domain, shop.bu_id, "invoice", external_id=n, amount="1000",
             issue_date="2025-10-01", due_date=(today - dt.timedelta(days=days)).isoformat())
    push(domain, shop.bu_id, "delivery", external_id="D-1", amount="500", shipped_on=today)
    assert export(domain, "aging", tmp_path / "a.xlsx", actor=Actor.system(), lang="en") == 1
    header, row = rows(tmp_path / "a.xlsx")
    assert header[3:] == ["Current", "1–30 days", "31–60 days", "61–90 days", "Over 90 days",
                          "Open receivables"]
    assert row[:3] == ["IND", "C1", "华东机电有限公司"]
    assert [money(str(v)) for v in row[3:]] == [money(1000)] * 5 + [money(5000)]
    assert export(domain, "exposure", tmp_path / "e.xlsx", actor=Actor.system(),
                  business_unit_codes=["IND"]) == 1
    header, row = rows(tmp_path / "e.xlsx")
    assert header[8] == "信用占用" and money(str(row[8])) == money(5500)
    assert money(str(row[9])) == money(94500) and money(str(row[10])) == money(4000)
    with domain.read() as s:
        seller = load_actor(s, shop.sales_id)
    assert export(domain, "customers", tmp_path / "c.xlsx", actor=seller) == 1  # not CON's
    assert export(domain, "customers", tmp_path / "c.xlsx", actor=Actor.system()) == 2
