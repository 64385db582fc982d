"""Import templates people fill in: XLSX (headers on the first sheet, what each column takes
on a second) or CSV (UTF-8 with a byte-order mark, so Excel shows Chinese headers)."""

from __future__ import annotations

import csv
import pathlib

from openpyxl import Workbook
from openpyxl.styles import Font

from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.importing.columns import columns

_ = text_factory("credit_domain")
NOTE_ZH = ("表头可用中文或英文；任一行有误则整个文件不导入，并逐行列出问题；"
           "同一文件重复导入不会重复记账。")
NOTE_EN = ("Headers may be Chinese or English. A file with any bad row is not imported and "
           "every problem is listed by row and column; importing the same file again changes "
           "nothing.")


def write_template(kind: str, lang: str, path: pathlib.Path) -> None:
    """Write the template of ``kind`` with ``lang`` (``zh`` or ``en``) headers to ``path``."""
    cols = columns(kind)
    zh = lang.startswith("zh")
    headers = [c.header(lang) for c in cols]
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerow(headers)
        return
    if path.suffix.lower() != ".xlsx":
        raise InvalidInput(_("Templates are .xlsx or .csv files, not {file}.", file=path.name))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = {"customers": "客户", "invoices": "发票", "payments": "回款",
                   "orders": "订单"}[kind] if zh else kind
    sheet.append(headers)
    for i, col in enumerate(cols, 1):
        cell = sheet.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        sheet.column_dimensions[cell.column_letter].width = max(14, len(headers[i - 1]) * 2)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明" if zh else "Notes")
    notes.append(["列", "必填", "说明", "示例"] if zh else
                 ["Column", "Required", "What to write", "Example"])
    for col in cols:
        notes.append([col.header(lang), ("是" if zh else "yes") if col.required else "",
                      col.note_zh if zh else col.note_en, col.example])
    notes.append([])
    notes.append([NOTE_ZH if zh else NOTE_EN])
    for row in notes.iter_rows(min_row=1, max_row=1):
        for cell in row:
            cell.font = Font(bold=True)
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["C"].width = 60
    book.save(path)
