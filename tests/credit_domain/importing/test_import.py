"""Imports for people who live in Excel: Chinese or English headers, a file with any bad row
refused whole with a row-by-row report, a good file imported whole, the same file again
changing nothing, and memory flat in the number of rows."""

import datetime as dt
import gc
import hashlib
import json
import tracemalloc
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from credit_domain.access import Actor
from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.models import CreditAccount
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.errors import Forbidden
from credit_domain.importing.service import ImportReport, import_file
from credit_domain.importing.templates import write_template
from credit_domain.ledger.models import Invoice, Order
from credit_domain.orgs.models import Role
from tests.credit_domain.rules.test_rules_policy import snapshot
from tests.factories import uscc_for
from tests.integration_world import TODAY, count, make_shop, money

SYSTEM = Actor.system("test")


def run(domain: Domain, kind: str, path: Path, actor: Actor = SYSTEM, **kw: Any) -> ImportReport:
    return import_file(domain, kind, path, business_unit="IND", actor=actor, **kw)


def csv_file(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_a_bad_row_rejects_the_whole_file_with_a_report(domain: Domain, tmp_path: Path) -> None:
    make_shop(domain)
    path = csv_file(tmp_path, "inv.csv",
                    "发票号,客户编号,金额,开票日期,到期日\n"
                    "INV-1,C1,\"128,000.00\",2026-02-01,2026-03-31\n"
                    "INV-2,C1,20万,2026年2月3日,\n"
                    ",C1,abc,2026-02-30,2026-01-01\n"
                    "INV-4,C9,5,2026-02-01,\n")
    report = run(domain, "invoices", path)
    assert not report.imported and count(domain, Invoice) == 0
    assert [(p.row, p.column, p.message.render("zh_CN")) for p in report.problems] == [
        (4, "发票号", "此项不能为空。"),
        (4, "金额", "无法识别金额 abc，请输入如 200000 或 20万。"),
        (4, "开票日期", "不是有效日期，请写成 2026-03-31。"),
    ]
    fixed = csv_file(tmp_path, "inv.csv", path.read_text().replace(
        ",C1,abc,2026-02-30,2026-01-01", "INV-3,C1,300,2026-02-28,"))
    report = run(domain, "invoices", fixed)  # form is fine now; the ledger refuses row 5
    assert not report.imported and count(domain, Invoice) == 0
    assert [(p.row, p.column) for p in report.problems] == [(5, "客户编号")]
    assert "C9" in report.problems[0].message.render("en")


def test_an_unknown_column_is_refused_not_dropped(domain: Domain, tmp_path: Path) -> None:
    make_shop(domain)
    path = csv_file(tmp_path, "inv.csv", "发票号,客户编号,金额,开票日期,到期日期,#备注\n"
                                         "INV-1,C1,1000,2026-02-01,2026-02-21,月结\n")
    report = run(domain, "invoices", path)  # 到期日期 is not 到期日: the due date would be lost
    assert not report.imported and count(domain, Invoice) == 0
    [problem] = report.problems
    assert (problem.row, problem.column) == (1, "到期日期")
    assert "到期日" in problem.message.render("zh_CN") and "#" in problem.message.render("en")
    fixed = csv_file(tmp_path, "inv.csv", path.read_text().replace("到期日期", "到期日"))
    assert run(domain, "invoices", fixed).imported  # a #column is kept out, not refused
    with domain.read() as s:
        assert s.scalars(select(Invoice.due_date)).one() == dt.date(2026, 2, 21)


def test_a_good_file_imports_whole_and_again_changes_nothing(domain: Domain, tmp_path: Path,
                                                             clock: Any) -> None:
    make_shop(domain)
    path = csv_file(tmp_path, "pay.csv",
                    "Invoice No.,Customer No.,Amount,Issue date,Due date\n"
                    "INV-1,C1,1000,2026-01-01,2026-01-31\n"
                    "INV-2,C1,2000,2026-01-15,2026-02-14\n", encoding="gb18030")
    assert run(domain, "invoices", path).created == 2
    pay = csv_file(tmp_path, "pay.csv",
                   "收款单号,客户编号,金额,收款日期,核销发票号,核销金额\n"
                   "RC-1,C1,1500,2026-02-10,INV-2,1500\n"
                   "RC-2,C1,800,2026-02-11,,\n", encoding="gb18030")
    report = run(domain, "payments", pay)
    assert (report.imported, report.created, report.rows) == (True, 2, 2)
    with domain.read() as s:
        opened = {i.external_id: i.open_amount for i in s.scalars(select(Invoice))}
    assert opened == {"INV-1": money(200), "INV-2": money(500)}
    clock.advance(hours=1)
    before = snapshot(domain)
    again = run(domain, "payments", pay)
    assert (again.imported, again.unchanged, again.created) == (True, 2, 0)
    assert snapshot(domain) == before


def test_the_audit_trail_names_the_imported_file_by_its_sha256(domain: Domain,
                                                              tmp_path: Path) -> None:
    make_shop(domain)
    lines = [f"INV-{n},C1,{n}.50,2026-01-01,2026-01-31" for n in range(1, 3001)]
    path = csv_file(tmp_path, "big.csv", "Invoice No.,Customer No.,Amount,Issue date,Due date\n"
                    + "\n".join(lines) + "\n")
    assert path.stat().st_size > 65536  # read in more than one piece
    assert run(domain, "invoices", path).created == 3000
    with domain.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "import.completed")).one()
    assert json.loads(event.after or "{}")["sha256"] == hashlib.sha256(path.read_bytes()
                                                                      ).hexdigest()


def test_a_number_twice_in_one_file_is_refused(domain: Domain, tmp_path: Path,
                                               clock: Any) -> None:
    make_shop(domain)
    clock.advance(minutes=5)
    path = csv_file(tmp_path, "inv.csv", "Invoice No.,Customer No.,Amount,Issue date\n"
                                         "INV-1,C1,1000,2026-01-01\nINV-1,C1,1200,2026-01-01\n")
    report = run(domain, "invoices", path)
    assert not report.imported and [(p.row, p.column) for p in report.problems] == [
        (3, "Invoice No.")]
    assert count(domain, Invoice) == 0


def test_customers_from_the_chinese_xlsx_template(domain: Domain, tmp_path: Path) -> None:
    shop = make_shop(domain)
    path = tmp_path / "客户.xlsx"
    write_template("customers", "zh", path)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["客户编号", "客户名称", "统一社会信用代码"]
    sheet.append(["C2", "苏州新材料有限公司", uscc_for(77), "苏州新材", None, "materials",
                  dt.datetime(2015, 6, 1), None, "IND-T1", 45, "50万"])
    sheet.append(["C3", "华东机电（有限公司）", None, None, None, None, None, None, None, None,
                  None])  # C1's customer by name: it already has a number in this unit
    book.save(path)
    report = run(domain, "customers", path)
    assert not report.imported and count(domain, CreditAccount) == 1
    assert [(p.row, p.column, p.message.render("zh_CN")) for p in report.problems] == [
        (3, "客户编号", "华东机电有限公司 在本事业部已有客户编号 C1。")]
    sheet.delete_rows(3)
    book.save(path)
    report = run(domain, "customers", path)
    assert report.imported and report.created == 1
    with domain.read() as s:
        new = s.scalars(select(CreditAccount).where(CreditAccount.external_id == "C2")).one()
        assert (new.credit_limit, new.payment_terms_days, new.team_id) == (
            money(500000), 45, s.get(CreditAccount, shop.account_id).team_id)  # type: ignore
        assert [a.alias for a in new.customer.aliases] == ["苏州新材"]
        assert new.customer.established_on == dt.date(2015, 6, 1)


def test_invoices_from_a_workbook_saved_by_excel_keep_their_cents(domain: Domain,
                                                                   tmp_path: Path) -> None:
    """Excel keeps text in a shared-strings table and amounts as the digits typed."""
    from tests.credit_domain.importing.test_xlsx import as_excel_saves

    make_shop(domain)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["发票号", "客户编号", "金额", "开票日期"])
    sheet.append(["INV-X1", "C1", 1234.56, dt.datetime(2026, 1, 5)])
    sheet.append(["INV-X2", "C1", 0.1, dt.datetime(2026, 1, 6)])
    sheet["D2"].number_format = sheet["D3"].number_format = "yyyy-mm-dd"
    book.save(tmp_path / "发票.xlsx")
    report = run(domain, "invoices", as_excel_saves(tmp_path / "发票.xlsx"))
    assert report.imported and report.created == 2, report.problems
    with domain.read() as s:
        found = {i.external_id: (i.amount, i.issue_date) for i in s.scalars(select(Invoice))}
    assert found == {"INV-X1": (money("1234.56"), dt.date(2026, 1, 5)),
                     "INV-X2": (money("0.10"), dt.date(2026, 1, 6))}


def test_orders_import_checks_each_order(domain: Domain, tmp_path: Path) -> None:
    make_shop(domain, limit="10000")
    path = csv_file(tmp_path, "so.csv", "订单号,客户编号,金额\nSO-1,C1,6000\nSO-2,C1,6000\n")
    report = run(domain, "orders", path)
    assert report.imported and report.created == 2
    assert [(row, order) for row, order, _why in report.blocked] == [(3, "SO-2")]
    assert "超出可用额度" in report.blocked[0][2]
    again = run(domain, "orders", path)
    assert again.unchanged == 2 and count(domain, Order) == 2


def test_only_credit_admins_and_finance_import(domain: Domain, tmp_path: Path) -> None:
    shop = make_shop(domain)
    path = csv_file(tmp_path, "inv.csv", "Invoice No.,Customer No.,Amount,Issue date\n"
                                         "INV-1,C1,1000,2026-01-01\n")
    with domain.read() as s:
        from credit_domain.access import load_actor

        seller, admin = load_actor(s, shop.sales_id), load_actor(s, shop.admin_id)
    with pytest.raises(Forbidden):
        run(domain, "invoices", path, actor=seller)
    assert run(domain, "invoices", path, actor=admin).imported
    assert Role.CREDIT_ADMIN in admin.roles_in(shop.bu_id)


def _invoices_csv(path: Path, prefix: str, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Invoice No.,Customer No.,Amount,Issue date\n")
        for i in range(rows):
            fh.write(f"{prefix}-{i},C1,{100 + i % 7},2026-01-01\n")
    return path


@pytest.mark.slow
def test_memory_stays_flat_in_the_number_of_rows(domain: Domain, tmp_path: Path) -> None:
    shop = make_shop(domain)
    peaks = []
    for prefix, rows in (("A", 1000), ("B", 4000)):
        path = _invoices_csv(tmp_path / f"{prefix}.csv", prefix, rows)
        gc.collect()
        tracemalloc.start()
        report = run(domain, "invoices", path)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert report.imported and report.created == rows
    assert peaks[1] < peaks[0] * 1.5, peaks  # four times the rows, not four times the memory
    with domain.read() as s:
        assert count(domain, Invoice) == 5000
        assert account_exposure(s, shop.account_id, TODAY).open_receivables == money(
            sum(100 + i % 7 for i in range(1000)) + sum(100 + i % 7 for i in range(4000)))
