"""The XLSX reader gives what openpyxl gives (shared and inline text, rich text, numbers, dates
in either epoch, durations, booleans, gaps), refuses a file that is not a workbook in the
user's language, and keeps memory flat in the number of rows, shared strings included."""

import datetime as dt
import gc
import re
import tracemalloc
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import MAC_EPOCH

from credit_domain.errors import InvalidInput
from credit_domain.importing.readers import open_sheet
from credit_domain.importing.xlsx import open_worksheet


def _trimmed(rows: Any) -> dict[int, list[Any]]:
    """Rows by number, trailing empty cells and empty rows left out."""
    found = {}
    for number, row in rows:
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            found[number] = cells
    return found


def _openpyxl_rows(path: Path) -> dict[int, list[Any]]:
    """openpyxl's values, its doubles as the Decimals of their shortest digits (ours keep
    the file's digits)."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        return _trimmed(enumerate((
            [Decimal(repr(c)) if isinstance(c, float) else c for c in row] for row in rows), 1))
    finally:
        book.close()


SST = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings",
       "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is>(.*?)</is></c>')


def as_excel_saves(path: Path) -> Path:
    """openpyxl writes text inline in each cell; Excel keeps each distinct text once in a
    shared-strings part that cells point into. The same workbook, as Excel would save it."""
    shared: dict[bytes, int] = {}

    def share(m: re.Match[bytes]) -> bytes:
        index = shared.setdefault(m[3], len(shared))
        return b'<c %st="s"%s><v>%d</v></c>' % (m[1], m[2], index)

    out = path.with_name("excel-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = INLINE.sub(share, data)
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdS" Type="{SST[0]}" Target="/xl/sharedStrings.xml"/>'
                    "</Relationships>").encode())
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST[1]}"/>'
                    "</Types>").encode())
            dst.writestr(item, data)
        dst.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/'
                     b'spreadsheetml/2006/main">' + b"".join(
                         b"<si>%s</si>" % text for text in shared) + b"</sst>")
    return out


def _ours(path: Path) -> dict[int, list[Any]]:
    with open_worksheet(path) as ws:
        return _trimmed(ws.rows)


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_values_are_those_openpyxl_reads(tmp_path: Path, epoch_1904: bool) -> None:
    book = openpyxl.Workbook()
    if epoch_1904:
        book.epoch = MAC_EPOCH
    sheet = book.active
    assert sheet is not None
    book.create_sheet("说明").append(["只读第一张工作表"])
    sheet.append(["客户编号", "客户名称", "金额", "日期", "是否", "时长"])
    sheet.append(["C1", "苏州新材料有限公司", 1200, dt.datetime(2026, 3, 31), True,
                  dt.timedelta(hours=36)])
    sheet.append(["C2", CellRichText(["华东", TextBlock(InlineFont(b=True), "机电")]),
                  1234.56, dt.date(1999, 12, 31), False, None])
    sheet["B6"] = "苏州新材料有限公司"  # the same shared string again, after two empty rows
    sheet["D6"] = dt.datetime(1900, 1, 1)
    sheet["F6"] = "=1+1"  # never calculated: no cached value
    sheet["C7"] = 1e-7
    path = tmp_path / "book.xlsx"
    book.save(path)
    excel = as_excel_saves(path)
    ours = _ours(excel)
    assert ours == _openpyxl_rows(excel) == _ours(path) == _openpyxl_rows(path)
    assert ours[3][1] == "华东机电" and ours[2][3] == dt.datetime(2026, 3, 31)
    assert ours[2][5] == dt.timedelta(hours=36) and ours[6][3] == dt.datetime(1900, 1, 1)
    assert ours[3][2] == Decimal("1234.56") and isinstance(ours[3][2], Decimal)  # exact
    assert list(ours) == [1, 2, 3, 6, 7]  # row numbers as the sheet has them, gaps kept


def test_a_write_only_file_has_inline_text_and_no_dimension(tmp_path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["编号", "名称"])
    for i in range(3):
        sheet.append([f"N{i}", f"名称{i}"])
    path = tmp_path / "wo.xlsx"
    book.save(path)
    assert _ours(path) == _openpyxl_rows(path)
    with open_worksheet(path) as ws:
        assert ws.size is None
    with open_sheet(path) as s:
        assert s.header == ["编号", "名称"] and [n for n, _c in s.rows] == [2, 3, 4]


def test_the_size_is_read_from_the_dimension(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for i in range(12):
        sheet.append([i])
    path = tmp_path / "sized.xlsx"
    book.save(path)
    with open_sheet(path) as s:
        assert s.size == 11


def _zip(path: Path, parts: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


def test_a_file_that_is_not_a_workbook_is_refused_in_the_users_language(tmp_path: Path) -> None:
    fake = tmp_path / "客户.xlsx"
    fake.write_text("客户编号,客户名称\n", encoding="utf-8")  # a CSV renamed
    with pytest.raises(InvalidInput) as caught, open_sheet(fake):
        pass
    assert caught.value.message.render("zh_CN").startswith("客户.xlsx 不是可读取的 XLSX 文件")
    empty = _zip(tmp_path / "empty.xlsx", {"docProps/app.xml": "<x/>"})
    with pytest.raises(InvalidInput), open_sheet(empty):
        pass


def test_entities_in_an_uploaded_file_are_refused_not_expanded(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.save(tmp_path / "book.xlsx")
    laughs = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(tmp_path / "book.xlsx") as src, zipfile.ZipFile(laughs, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "ha">'
                        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' + data.split(b"?>", 1)[-1])
            dst.writestr(item, data)
    with pytest.raises(InvalidInput) as caught, open_sheet(laughs):
        pass
    assert "DTD" in caught.value.message.render("en")


def test_a_cell_pointing_past_the_shared_strings_is_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号"])
    sheet.append(["N1"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    excel = as_excel_saves(path)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(excel) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>1</v>", b"<v>99</v>")
            dst.writestr(item, data)
    with pytest.raises(InvalidInput) as caught, open_sheet(broken) as s:
        list(s.rows)
    assert "99" in caught.value.message.render("en")


def _distinct_rows(path: Path, rows: int) -> Path:
    """Every cell a different text, as a customer list is: Excel shares none of them."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Customer No.", "Legal name", "USCC"])
    for i in range(rows):
        sheet.append([f"N{i:07d}", f"江苏导入{i:07d}机械有限公司", f"91320000{i:09d}X"])
    book.save(path)
    return as_excel_saves(path)


@pytest.mark.slow
def test_memory_stays_flat_in_the_number_of_rows(tmp_path: Path) -> None:
    peaks = []
    for rows in (2_000, 8_000):
        path = _distinct_rows(tmp_path / f"{rows}.xlsx", rows)
        gc.collect()
        tracemalloc.start()
        with open_sheet(path) as s:
            seen = sum(1 for _ in s.rows)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert seen == rows
    assert peaks[1] < peaks[0] * 1.25, peaks  # four times the rows, not four times the memory
