"""Exports of the credit book to XLSX, streamed (openpyxl's write-only mode, rows straight from
SQL): customers, exposure by category, and receivables aging (current, 1–30, 31–60, 61–90,
90+ days past due). What is exported is what the actor may see."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, account_scope
from credit_domain.accounts.exposure import exposure_select
from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain
from credit_domain.clock import local_date
from credit_domain.customers.models import Customer
from credit_domain.db.types import Money
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.ledger.models import Invoice
from credit_domain.orgs.models import BusinessUnit, Person

_ = text_factory("credit_domain")
MONEY_FORMAT = "#,##0.00"
HEADERS = {
    "customers": [("Business unit", "事业部"), ("Customer No.", "客户编号"),
                  ("Legal name", "客户名称"), ("USCC", "统一社会信用代码"), ("Grade", "信用等级"),
                  ("Score", "信用评分"), ("Credit limit", "信用额度"), ("Status", "状态"),
                  ("Hold reason", "冻结原因"), ("Salesperson", "销售员"),
                  ("Payment terms (days)", "账期（天）")],
    "exposure": [("Business unit", "事业部"), ("Customer No.", "客户编号"),
                 ("Legal name", "客户名称"), ("Credit limit", "信用额度"),
                 ("Temporary limit", "临时额度"), ("Open receivables", "应收未收"),
                 ("Shipped, not invoiced", "已发货未开票"), ("Open orders", "未发货订单"),
                 ("Exposure", "信用占用"), ("Available", "可用额度"), ("Overdue", "逾期金额")],
    "aging": [("Business unit", "事业部"), ("Customer No.", "客户编号"),
              ("Legal name", "客户名称"), ("Current", "未到期"), ("1–30 days", "1–30 天"),
              ("31–60 days", "31–60 天"), ("61–90 days", "61–90 天"),
              ("Over 90 days", "90 天以上"), ("Open receivables", "应收合计")],
}


def _rows_customers(session: Session, bu: BusinessUnit, where: ColumnElement[bool],
                    _today: dt.date) -> Iterator[Sequence[Any]]:
    stmt = (select(CreditAccount.external_id, Customer.legal_name, Customer.uscc,
                   CreditAccount.grade, CreditAccount.score, CreditAccount.credit_limit,
                   CreditAccount.status, CreditAccount.hold_reason, Person.name,
                   CreditAccount.payment_terms_days)
            .join(Customer, Customer.id == CreditAccount.customer_id)
            .outerjoin(Person, Person.id == CreditAccount.owner_id)
            .where(where).order_by(Customer.legal_name))
    for row in session.execute(stmt.execution_options(yield_per=1000)):
        yield (bu.code, *row)


def _rows_exposure(session: Session, bu: BusinessUnit, where: ColumnElement[bool],
                   today: dt.date) -> Iterator[Sequence[Any]]:
    stmt = (exposure_select(today, where)
            .add_columns(CreditAccount.external_id, Customer.legal_name)
            .join(Customer, Customer.id == CreditAccount.customer_id)
            .order_by(Customer.legal_name))
    for _id, limit, temp, recv, dlv, orders, overdue, number, name in session.execute(
            stmt.execution_options(yield_per=1000)):
        exposure = recv + dlv + orders
        yield (bu.code, number, name, limit, temp, recv, dlv, orders, exposure,
               limit + temp - exposure, overdue)


def _rows_aging(session: Session, bu: BusinessUnit, where: ColumnElement[bool],
                today: dt.date) -> Iterator[Sequence[Any]]:
    zero = literal(Decimal("0.00"), Money())

    def bucket(cond: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((cond, Invoice.open_amount), else_=zero),
                                      type_=Money()), zero, type_=Money())

    def before(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    due = Invoice.due_date
    stmt = (select(CreditAccount.external_id, Customer.legal_name,
                   bucket(due >= today),
                   bucket(and_(due < today, due >= before(30))),
                   bucket(and_(due < before(30), due >= before(60))),
                   bucket(and_(due < before(60), due >= before(90))),
                   bucket(due < before(90)),
                   bucket(literal(True)))
            .join(Customer, Customer.id == CreditAccount.customer_id)
            .join(Invoice, and_(Invoice.account_id == CreditAccount.id, Invoice.open_amount > 0))
            .where(where).group_by(CreditAccount.id, CreditAccount.external_id,
                                   Customer.legal_name)
            .order_by(Customer.legal_name))
    for row in session.execute(stmt.execution_options(yield_per=1000)):
        yield (bu.code, *row)


ROWS = {"customers": _rows_customers, "exposure": _rows_exposure, "aging": _rows_aging}


def export(domain: Domain, kind: str, path: pathlib.Path, *, actor: Actor,
           business_unit_codes: list[str] | None = None, lang: str = "zh") -> int:
    """Write the ``kind`` export to ``path`` (XLSX); return the number of rows."""
    if kind not in ROWS:
        raise InvalidInput(_("Unknown export {kind}; one of: {known}", kind=kind,
                             known=", ".join(ROWS)))
    if path.suffix.lower() != ".xlsx":
        raise InvalidInput(_("Exports are .xlsx files, not {file}.", file=path.name))
    zh = lang.startswith("zh")
    book = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = book.create_sheet(kind)
    header = [WriteOnlyCell(sheet, value=zh_ if zh else en) for en, zh_ in HEADERS[kind]]
    for cell in header:
        cell.font = Font(bold=True)
    sheet.append(header)
    count = 0
    with domain.read() as session:
        stmt = select(BusinessUnit).order_by(BusinessUnit.code)
        if business_unit_codes:
            stmt = stmt.where(BusinessUnit.code.in_(business_unit_codes))
        for bu in session.scalars(stmt).all():
            if not actor.is_system and bu.id not in actor.business_unit_ids():
                continue
            today = local_date(domain.clock.now(), bu.timezone)
            for row in ROWS[kind](session, bu, account_scope(actor, bu.id), today):
                sheet.append([_cell(sheet, v) for v in row])
                count += 1
    book.save(path)
    return count


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = MONEY_FORMAT
        return cell
    return value
