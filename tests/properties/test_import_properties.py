"""Property-based tests of the import validator: generated invoice files whose good rows
import whole, whose bad rows (wherever they are) refuse the whole file with each bad row's
number, writing nothing; and cells of any text never crash it."""

from __future__ import annotations

import csv
import itertools
import pathlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from credit_domain.access import Actor
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.errors import InvalidInput
from credit_domain.importing.service import ImportReport, import_file
from credit_domain.ledger.models import Invoice
from tests.integration_world import make_shop

HEADER = ["发票号", "客户编号", "金额", "开票日期", "到期日"]
SYSTEM = Actor.system("test")
_numbers = itertools.count(1)

# Each defect: what a person gets wrong in one row, and the column the report should name.
DEFECTS: dict[str, tuple[str, Callable[[list[str]], list[str]]]] = {
    "no number": ("发票号", lambda row: ["", *row[1:]]),
    "bad amount": ("金额", lambda row: [*row[:2], "一点钱", *row[3:]]),
    "negative": ("金额", lambda row: [*row[:2], "-5", *row[3:]]),
    "bad date": ("开票日期", lambda row: [*row[:3], "2026-02-30", row[4]]),
    "unknown customer": ("客户编号", lambda row: [row[0], "C-NOBODY", *row[2:]]),
}
AMOUNTS = st.one_of(st.integers(1, 10**7).map(str), st.integers(1, 999).map("{}万".format),
                    st.integers(100, 10**8).map(lambda n: f"{n / 100:,.2f}"))


@dataclass
class Plan:
    rows: list[list[str]]
    defects: dict[int, str]  # index in rows → defect


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n = draw(st.integers(1, 12))
    rows = [[f"P{next(_numbers)}", "C1", draw(AMOUNTS), "2026-02-01",
             draw(st.sampled_from(["2026-03-31", ""]))] for _ in range(n)]
    bad = draw(st.dictionaries(st.integers(0, n - 1), st.sampled_from(sorted(DEFECTS)),
                               max_size=3))
    for i, defect in bad.items():
        rows[i] = DEFECTS[defect][1](rows[i])
    return Plan(rows, bad)


def write(rows: list[list[str]], header: list[str] = HEADER) -> pathlib.Path:
    fd, name = tempfile.mkstemp(suffix=".csv")
    with open(fd, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return pathlib.Path(name)


def counts(domain: Domain) -> tuple[int, int]:
    with domain.read() as s:
        return (int(s.scalar(select(func.count()).select_from(Invoice)) or 0),
                int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0))


def run(domain: Domain, path: pathlib.Path) -> ImportReport:
    try:
        return import_file(domain, "invoices", path, business_unit="IND", actor=SYSTEM)
    finally:
        path.unlink()


_worlds: list[Domain] = []


def world(domain: Domain) -> Domain:
    if not _worlds or _worlds[0] is not domain:
        make_shop(domain)
        _worlds[:] = [domain]
    return domain


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans())
def test_good_files_import_whole_and_bad_rows_refuse_the_file(domain: Domain,
                                                              plan: Plan) -> None:
    world(domain)
    before = counts(domain)
    report = run(domain, write(plan.rows))
    invoices, audits = counts(domain)
    if not plan.defects:
        assert report.imported and not report.problems
        assert invoices == before[0] + len(plan.rows)
        return
    assert not report.imported
    assert (invoices, audits) == before  # nothing partially written, not even an audit
    # a row that fails the form check is reported in pass 1; the ledger's refusals (pass 2)
    # are only reached when every row's form is fine
    form_bad = {i for i, d in plan.defects.items() if d != "unknown customer"}
    expected = form_bad or set(plan.defects)
    assert {p.row for p in report.problems} == {i + 2 for i in expected}
    for p in report.problems:
        assert p.column == DEFECTS[plan.defects[p.row - 2]][0]
        assert p.message.render("en") and p.message.render("zh_CN")


cells = st.one_of(st.text(max_size=30), st.sampled_from(
    ["", " ", "C1", "1e400", "NaN", "-0", "20万", "２０万", "2026-02-29", "9999-12-31",
     "=cmd|' /C calc'!A0", "\x00", "\r\n", '"', "ＩＮＶ"]))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=7), min_size=0, max_size=6),
       header=st.one_of(st.just(HEADER), st.lists(cells, max_size=6)))
@example(rows=[["X" * 200_000, "C1", "1", "2026-02-01", ""]], header=HEADER)
@example(rows=[["A\x00B", "C1", "1", "2026-02-01", ""]], header=HEADER)
def test_any_cells_give_a_report_never_a_crash(domain: Domain, rows: list[list[str]],
                                               header: list[str]) -> None:
    world(domain)
    before = counts(domain)
    try:
        report = run(domain, write(rows, header))
    except InvalidInput as exc:  # a file that cannot be read at all, said clearly
        assert exc.localized("en") and exc.localized("zh_CN")
        assert counts(domain) == before
        return
    if not report.imported:
        assert counts(domain) == before
        for p in report.problems:
            assert p.message.render("en") and p.message.render("zh_CN")
