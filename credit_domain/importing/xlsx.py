"""Reading the first worksheet of an XLSX file row by row in memory that does not grow with
the file.

openpyxl's read-only mode streams cells but not memory: each parsed row stays in the XML tree
as an empty element (``element.clear()`` keeps it in its parent), and a sheet without a
``<dimension>`` (openpyxl's own write-only files) is parsed whole once more just to find its
size; both grow with the rows (about 130 bytes each). Excel itself keeps every distinct text in
one shared-strings table that any cell may point into, which a reader cannot stream: here the
table goes to a temporary SQLite file and is looked up by index, so a file of a million
distinct names costs disk, not memory.

Values are what openpyxl gives with ``data_only=True``, except that a number with a fraction
is a ``Decimal`` of the digits the file holds (openpyxl: ``float``): text, ``int``,
``datetime`` for a number in a date format (``timedelta`` for a duration format), ``bool``,
and an error cell as its text (``#N/A``). Formulas give their cached result.
"""

from __future__ import annotations

import posixpath
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml.ElementTree import iterparse as _defused_iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
SPILL_BATCH = 1000


def iterparse(source: IO[bytes], events: tuple[str, ...]) -> Iterator[tuple[str, Element]]:
    """The parts come from whoever uploaded the file: no DTD, entity or external reference
    is followed (a workbook never has one)."""
    return _defused_iterparse(source, events=events, forbid_dtd=True)  # type: ignore[no-any-return]


class NotXlsx(Exception):
    """The file is not an XLSX workbook this reader understands (the message says why)."""


@dataclass
class Worksheet:
    """The first worksheet: ``rows`` yields ``(row number, cells)`` for the rows present;
    ``size`` is the number of rows after the first one when the sheet states its dimension,
    else None."""

    rows: Iterator[tuple[int, list[Any]]]
    size: int | None


@contextmanager
def open_worksheet(path: Any) -> Iterator[Worksheet]:
    """Open ``path`` (an XLSX file); raises :class:`NotXlsx` for a file that is not one."""
    with ExitStack() as stack:
        try:
            archive = stack.enter_context(zipfile.ZipFile(path))
            book = _workbook(archive)
            styles = _styles(archive, book.styles)
            strings = stack.enter_context(_shared_strings(archive, book.strings))
            source = stack.enter_context(archive.open(book.sheet))
            size, events = _dimension(source)
        except (zipfile.BadZipFile, KeyError, ParseError, ValueError, OSError) as exc:
            raise NotXlsx(str(exc) or type(exc).__name__) from None
        yield Worksheet(_rows(events, strings, styles, book.epoch), size)


def _part(archive: zipfile.ZipFile, name: str) -> Element:
    """A small part of the package (relationships, the workbook, the styles), parsed whole."""
    with archive.open(name) as fh:
        root: Element | None = None
        for _event, elem in iterparse(fh, events=("end",)):
            root = elem
    if root is None:
        raise ValueError(f"{name} is empty")
    return root


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id → (type, target path inside the package)."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in archive.namelist():
        return {}
    found = {}
    for rel in _part(archive, rels).iter(f"{PKG_REL}Relationship"):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(folder, target))
        found[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return found


@dataclass(frozen=True)
class _Workbook:
    sheet: str  # the first worksheet's part
    strings: str | None  # the shared strings' part
    styles: str | None
    epoch: Any  # dates count from 1900 (Windows) or 1904 (old Macs)


def _workbook(archive: zipfile.ZipFile) -> _Workbook:
    book = next((path for kind, path in _relationships(archive, "").values()
                 if kind.endswith("/officeDocument")), "xl/workbook.xml")
    root = _part(archive, book)
    pr = root.find(f"{MAIN}workbookPr")
    epoch = MAC_EPOCH if pr is not None and pr.get("date1904") in ("1", "true") else WINDOWS_EPOCH
    rels = _relationships(archive, book)

    def part(kind: str) -> str | None:
        return next((path for k, path in rels.values() if k.endswith(kind)), None)

    for sheet in root.iter(f"{MAIN}sheet"):
        kind, path = rels.get(sheet.get(f"{REL}id", ""), ("", ""))
        if kind.endswith("/worksheet"):
            return _Workbook(path, part("/sharedStrings"), part("/styles"), epoch)
    raise ValueError("the workbook has no worksheet")


@dataclass(frozen=True)
class _Styles:
    dates: frozenset[int]  # cell format indexes showing a number as a date
    durations: frozenset[int]  # … as a duration


def _styles(archive: zipfile.ZipFile, name: str | None) -> _Styles:
    if name is None:
        return _Styles(frozenset(), frozenset())
    root = _part(archive, name)
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    for fmt in root.iter(f"{MAIN}numFmt"):
        formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
    dates, durations = set(), set()
    xfs = root.find(f"{MAIN}cellXfs")
    for index, xf in enumerate(xfs if xfs is not None else ()):
        code = formats.get(int(xf.get("numFmtId", "0")), "")
        if is_timedelta_format(code):
            durations.add(index)
        elif is_date_format(code):
            dates.add(index)
    return _Styles(frozenset(dates | durations), frozenset(durations))


def _text(elem: Element) -> str:
    """The text of a shared string or an inline string: its ``<t>``, or its rich-text runs'
    (phonetic guides left out)."""
    t = elem.find(f"{MAIN}t")
    if t is not None:
        return t.text or ""
    return "".join(run.text or "" for run in elem.iterfind(f"{MAIN}r/{MAIN}t"))


class _Strings:
    """The shared strings, spilled to a temporary SQLite file, looked up by index."""

    def __init__(self, db: sqlite3.Connection | None) -> None:
        self.db = db
        self.get = lru_cache(maxsize=4096)(self._get)

    def _get(self, index: int) -> str:
        row = self.db.execute("SELECT v FROM s WHERE rowid = ?", (index + 1,)).fetchone() \
            if self.db is not None else None
        if row is None:
            raise ValueError(f"a cell points to shared string {index}, which does not exist")
        return str(row[0])


@contextmanager
def _shared_strings(archive: zipfile.ZipFile, name: str | None) -> Iterator[_Strings]:
    if name is None:
        yield _Strings(None)
        return
    with tempfile.TemporaryDirectory(prefix="creditbot-xlsx-") as folder:
        db = sqlite3.connect(posixpath.join(folder, "strings.db"))
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE s (v TEXT NOT NULL)")
            batch: list[tuple[str]] = []
            table: Element | None = None
            with archive.open(name) as fh:
                for event, elem in iterparse(fh, events=("start", "end")):
                    if event == "start":
                        if elem.tag == f"{MAIN}sst":
                            table = elem
                        continue
                    if elem.tag == f"{MAIN}si":
                        batch.append((_text(elem),))
                        if table is not None:
                            table.clear()  # parsed strings leave the tree
                        if len(batch) >= SPILL_BATCH:
                            db.executemany("INSERT INTO s (v) VALUES (?)", batch)
                            batch.clear()
            db.executemany("INSERT INTO s (v) VALUES (?)", batch)
            yield _Strings(db)
        finally:
            db.close()


def _dimension(source: IO[bytes]) -> tuple[int | None, Iterator[tuple[str, Element]]]:
    """The sheet's size from its ``<dimension>`` (read before the rows), and the parse
    events, continued."""
    events = iterparse(source, events=("start", "end"))
    size = None
    for event, elem in events:
        if event == "end" and elem.tag == f"{MAIN}dimension":
            last = elem.get("ref", "").rpartition(":")[2]
            digits = last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            size = max(0, int(digits) - 1) if digits.isdigit() else None
        if event == "start" and elem.tag == f"{MAIN}sheetData":
            return size, _from(elem, events)
    return size, iter(())


def _from(first: Element, events: Iterator[tuple[str, Element]]) -> Iterator[tuple[str, Element]]:
    yield "start", first
    yield from events


def _column(ref: str) -> int:
    """The zero-based column of a cell reference (``C7`` → 2)."""
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + ord(ch.upper()) - 64
    return n - 1


def _rows(events: Iterator[tuple[str, Element]], strings: _Strings, styles: _Styles,
          epoch: Any) -> Iterator[tuple[int, list[Any]]]:
    data: Element | None = None
    number = 0
    try:
        for event, elem in events:
            if event == "start":
                if elem.tag == f"{MAIN}sheetData":
                    data = elem
                continue
            if elem.tag == f"{MAIN}row":
                number = int(elem.get("r") or number + 1)
                yield number, _cells(elem, strings, styles, epoch)
                if data is not None:
                    data.clear()  # the row leaves the tree: memory stays flat
            elif elem.tag == f"{MAIN}sheetData":
                return
    except (ParseError, ValueError, InvalidOperation) as exc:
        raise NotXlsx(f"row {number + 1}: {exc}") from None


def _cells(row: Element, strings: _Strings, styles: _Styles, epoch: Any) -> list[Any]:
    cells: list[Any] = []
    for c in row.iterfind(f"{MAIN}c"):
        ref = c.get("r")
        column = _column(ref) if ref else len(cells)
        if column < len(cells):
            raise ValueError(f"cell {ref} is out of order")
        cells.extend([None] * (column - len(cells)))
        cells.append(_value(c, strings, styles, epoch))
    return cells


def _value(c: Element, strings: _Strings, styles: _Styles, epoch: Any) -> Any:
    kind = c.get("t", "n")
    if kind == "inlineStr":
        inline = c.find(f"{MAIN}is")
        return _text(inline) if inline is not None else None
    v = c.findtext(f"{MAIN}v")
    if v is None or v == "":
        return None
    if kind == "s":
        return strings.get(int(v))
    if kind in ("str", "e"):
        return v
    if kind == "b":
        return v.strip() in ("1", "true")
    if kind == "d":
        return from_ISO8601(v)
    style = int(c.get("s") or 0)
    if style in styles.dates:  # a day count, not an amount: openpyxl converts the double
        try:
            return from_excel(float(v), epoch, timedelta=style in styles.durations)
        except (OverflowError, ValueError):
            return "#VALUE!"  # as Excel shows a date out of its range
    # Amounts stay exact: the cell's own digits, never a binary double.
    return Decimal(v) if any(ch in v for ch in ".eE") else int(v)
