"""Importing a file whole, or not at all.

Two passes over the file, each streaming (memory stays flat in the number of rows):

1. every row is checked on its own (required cells, amounts, dates, USCCs); any problem and
   the file is refused with a report of every bad row (row number, column, reason);
2. the rows are applied in one transaction through the same services as the ERP API; a row
   the ledger refuses (unknown customer, an order that does not fit…) or a number appearing
   twice in the file is reported the same way and the transaction is rolled back.

Records are idempotent by their number, so importing the same file again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pathlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select, text

from credit_domain.access import Actor
from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain
from credit_domain.errors import DomainError
from credit_domain.i18n import Text, text_factory
from credit_domain.importing.columns import Column, columns, map_headers
from credit_domain.importing.readers import open_sheet
from credit_domain.ledger.models import Invoice, Order, Payment
from credit_domain.ledger.problems import RecordRejected, problems_from
from credit_domain.ledger.records import (
    CustomerRecord,
    InvoiceRecord,
    OrderRecord,
    PaymentRecord,
)
from credit_domain.ledger.services import (
    Change,
    record_invoice,
    record_payment,
    upsert_account,
)
from credit_domain.orders.check import check_order
from credit_domain.orgs.lookup import business_unit_by_code
from credit_domain.orgs.models import BusinessUnit, Role
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")
CHUNK = 500
MAX_PROBLEMS = 1000
Progress = Callable[[str, int, int | None], None]  # phase ("check" | "import"), done, total
RECORDS: dict[str, type[BaseModel]] = {"customers": CustomerRecord, "invoices": InvoiceRecord,
                                       "payments": PaymentRecord, "orders": OrderRecord}
ENTITIES: dict[str, Any] = {"customers": CreditAccount, "invoices": Invoice,
                            "payments": Payment, "orders": Order}


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: Text


@dataclass
class ImportReport:
    kind: str
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    blocked: list[tuple[int, str, str]] = field(default_factory=list)  # orders: row, no., why
    problems: list[RowProblem] = field(default_factory=list)
    more_problems: int = 0  # beyond the first MAX_PROBLEMS
    imported: bool = False

    def problem(self, row: int, column: str, message: Text) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(RowProblem(row, column, message))
        else:
            self.more_problems += 1


def _digest(path: pathlib.Path) -> str:
    """The file's SHA-256, read through one reused buffer (a fresh megabyte per read left
    the process larger after a big file than after a small one)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _record_data(kind: str, mapping: dict[int, Column], cells: list[Any]) -> dict[str, Any]:
    data = {col.key: cells[i] for i, col in mapping.items() if i < len(cells)}
    if kind == "payments":
        invoice, applied = data.pop("invoice_external_id", None), data.pop("applied_amount",
                                                                              None)
        if invoice not in (None, ""):
            data["allocations"] = [{"invoice_external_id": invoice,
                                    "amount": applied if applied not in (None, "") else
                                    data.get("amount")}]
    return data


class _Rows:
    """The data rows of the file as records, with the header mapping; reopened per pass."""

    def __init__(self, kind: str, path: pathlib.Path, report: ImportReport) -> None:
        self.kind, self.path, self.report = kind, path, report
        self.headers: dict[str, str] = {}  # field → the header as written in the file
        self.total: int | None = None

    def records(self) -> Iterator[tuple[int, BaseModel | None]]:
        """(row number, record) per data row; None for a row refused (reported)."""
        model = RECORDS[self.kind]
        with open_sheet(self.path) as sheet:
            mapping, missing, unknown = map_headers(self.kind, sheet.header)
            self.headers = {c.key: str(sheet.header[i]) for i, c in mapping.items()}
            self.total = sheet.size if self.total is None else self.total
            for col in missing:
                self.report.problem(1, f"{col.zh} / {col.en}", _("This column is missing."))
            for header in unknown:
                self.report.problem(1, header, _(
                    "No such column for {kind}: rename it to one of {known}, or start its "
                    "name with # to keep it out of the import.", kind=self.kind,
                    known="、".join(c.zh for c in columns(self.kind))))
            if missing or unknown:
                return
            for number, cells in sheet.rows:
                try:
                    yield number, model.model_validate(_record_data(self.kind, mapping, cells))
                except ValidationError as exc:
                    for p in problems_from(exc):
                        self.report.problem(number, self.column(p.loc), p.message)
                    yield number, None

    def column(self, loc: tuple[str | int, ...]) -> str:
        key = str(loc[0]) if loc else ""
        if key == "allocations":
            key = "invoice_external_id" if "invoice_external_id" in loc else "applied_amount"
        return self.headers.get(key, key or "-")


def import_file(domain: Domain, kind: str, path: pathlib.Path, *, business_unit: str,
                actor: Actor, progress: Progress | None = None) -> ImportReport:
    """Import ``path`` (CSV or XLSX) of ``kind`` into ``business_unit`` as ``actor`` (a credit
    admin or finance manager there, or the system); see the module docstring."""
    columns(kind)
    report = ImportReport(kind, path.name)
    rows = _Rows(kind, path, report)
    with domain.read() as session:
        bu = business_unit_by_code(session, business_unit)
    actor.require_role(bu.id, Role.CREDIT_ADMIN, Role.FINANCE_MANAGER, action=f"import_{kind}")
    for number, _rec in rows.records():
        report.rows += 1
        if progress and number % 100 == 0:
            progress("check", report.rows, rows.total)
    rows.total = report.rows
    if report.problems or report.more_problems or report.rows == 0:
        return report
    with domain.uow(actor) as uow:
        unit = uow.session.get(BusinessUnit, bu.id)
        assert unit is not None
        _apply(domain, uow, unit, rows, report, progress)
        if report.problems or report.more_problems:
            return report  # leaving without commit rolls everything back
        if report.created or report.updated:
            uow.audit("import.completed", "import", kind, business_unit_id=bu.id,
                      after={"file": path.name, "sha256": _digest(path), "rows": report.rows,
                             "created": report.created, "updated": report.updated,
                             "unchanged": report.unchanged, "blocked": len(report.blocked)})
        uow.commit()
    report.imported = True
    return report


def _apply(domain: Domain, uow: UnitOfWork, bu: BusinessUnit, rows: _Rows,
           report: ImportReport, progress: Progress | None) -> None:
    started = uow.now()
    seen: list[tuple[int, int]] = []  # (row, entity id) not created by this row: duplicates?
    done = 0
    for number, rec in rows.records():
        assert rec is not None  # the first pass refused files with bad rows
        try:
            entity_id, change = _one(domain, uow, bu, rec, report, number)
        except DomainError as exc:
            problems = exc.problems if isinstance(exc, RecordRejected) else []
            for p in problems:
                report.problem(number, rows.column(p.loc), p.message)
            if not problems:
                report.problem(number, "-", exc.message)
            continue
        setattr(report, change.value, getattr(report, change.value) + 1)
        if change != Change.CREATED:
            seen.append((number, entity_id))
        done += 1
        if done % CHUNK == 0:
            _duplicates(uow, rows, report, seen, started)
            uow.checkpoint()
            chunks = done // CHUNK
            if chunks & (chunks - 1) == 0:  # after 1, 2, 4, 8 … chunks
                _refresh_statistics(uow, rows.kind)
            if progress:
                progress("import", done, rows.total)
    _duplicates(uow, rows, report, seen, started)


# The tables an import of each kind fills (its own rows are in them before the commit).
GROWING: dict[str, tuple[str, ...]] = {
    "customers": ("customers", "customer_aliases", "credit_accounts"),
    "invoices": ("invoices",), "payments": ("payments", "allocations"), "orders": ("orders",)}


def _refresh_statistics(uow: UnitOfWork, kind: str) -> None:
    """PostgreSQL plans each lookup by the table's statistics, which know nothing of the rows
    this (single) transaction added: a table that was nearly empty looks small enough to read
    whole, and each row's lookup then reads every row added so far (an import into a fresh
    database turned quadratic). ``ANALYZE`` in the transaction counts its own rows; doubling
    intervals keep it to a few runs."""
    if uow.session.get_bind().dialect.name != "postgresql":
        return
    for table in GROWING[kind]:
        uow.session.execute(text(f"ANALYZE {table}"))


def _one(domain: Domain, uow: UnitOfWork, bu: BusinessUnit, rec: BaseModel,
         report: ImportReport, number: int) -> tuple[int, Change]:
    if isinstance(rec, OrderRecord):
        answer = check_order(uow, bu, domain.policies.get(bu.id, "order_check", uow.session), rec,
                             domain.ports)
        if not answer.passed and not answer.repeated and len(report.blocked) < MAX_PROBLEMS:
            why = "; ".join(r.message.render(bu.locale) for r in answer.reasons)
            report.blocked.append((number, rec.external_id, why))
        return answer.order_id, Change.UNCHANGED if answer.repeated else Change.CREATED
    service: Any = {CustomerRecord: upsert_account, InvoiceRecord: record_invoice,
                    PaymentRecord: record_payment}[type(rec)]
    done = service(uow, bu, rec)
    return int(done.id), done.change


def _duplicates(uow: UnitOfWork, rows: _Rows, report: ImportReport,
                seen: list[tuple[int, int]], started: dt.datetime) -> None:
    """Rows that met a record an earlier row of this same file created: a number twice."""
    if not seen:
        return
    model = ENTITIES[rows.kind]
    fresh = set(uow.session.scalars(select(model.id).where(
        model.id.in_([entity for _row, entity in seen]), model.created_at >= started)))
    for number, entity in seen:
        if entity in fresh:
            report.problem(number, rows.headers.get("external_id", "external_id"),
                           _("This number appears more than once in the file."))
    seen.clear()
