"""XLSX export of dashboard tables: the same cells the page shows, as numbers a spreadsheet
can sum (money, ratios and days keep their exact Decimal values; formats only change how
they look). Written with openpyxl's write-only workbook and streamed in chunks."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from credit_domain.analytics.tables import Kind, Table
from credit_domain.i18n import Text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
FORMATS: dict[Kind, str] = {"money": "#,##0.00", "ratio": "0.0%", "percent": '0.0"%"',
                            "days": "0.0", "count": "0", "date": "yyyy-mm-dd"}


def cell_value(value: Any, locale: str) -> Any:
    """What a cell holds in the workbook: text rendered in ``locale``, numbers as numbers."""
    if isinstance(value, Text):
        return value.render(locale)
    return value


def _sheet(wb: Workbook, table: Table, locale: str, heading: Sequence[str]) -> None:
    ws: WriteOnlyWorksheet = wb.create_sheet(_sheet_name(table.title.render(locale)))
    bold = Font(bold=True)
    for line in heading:
        ws.append([line])
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(ws, value=column.label.render(locale))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for i, row in enumerate(table.rows):
        cells = []
        for j, value in enumerate(row):
            cell = WriteOnlyCell(ws, value=cell_value(value, locale))
            kind = table.kind(i, j)
            if kind in FORMATS and isinstance(value, Decimal | int | dt.date):
                cell.number_format = FORMATS[kind]
            cells.append(cell)
        ws.append(cells)


def write_workbook(tables: Sequence[Table], locale: str, heading: Sequence[str]) -> IO[bytes]:
    """A workbook with one sheet per table (the heading lines above each), rewound."""
    wb = Workbook(write_only=True)
    for table in tables:
        _sheet(wb, table, locale, heading)
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    wb.save(out)
    out.seek(0)
    return out


def chunks(fh: IO[bytes]) -> Iterator[bytes]:
    """Stream a written workbook, closing it at the end."""
    try:
        while block := fh.read(CHUNK):
            yield block
    finally:
        fh.close()


def _sheet_name(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"


def filename(*parts: str) -> str:
    """An ASCII file name for the Content-Disposition header."""
    raw = "-".join(p for p in parts if p)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("_") + ".xlsx"
