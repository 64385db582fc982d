"""Reading import files row by row, never the whole file at once: CSV (UTF-8, or GB18030 as
Excel saves it on Chinese Windows) and XLSX (:mod:`credit_domain.importing.xlsx`, streaming)."""

from __future__ import annotations

import codecs
import csv
import itertools
import pathlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.importing.xlsx import NotXlsx, open_worksheet

_ = text_factory("credit_domain")


@dataclass
class Sheet:
    """The header row and an iterator of ``(row number, cells)`` after it; ``size`` is the
    number of data rows when the format says so cheaply (XLSX), else None."""

    header: list[Any]
    rows: Iterator[tuple[int, list[Any]]]
    size: int | None


def _encoding(path: pathlib.Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(65536)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a cut multi-byte character at the end is fine
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


@contextmanager
def open_sheet(path: pathlib.Path) -> Iterator[Sheet]:
    """Open a CSV or XLSX file; the first non-empty row is the header."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding=_encoding(path), newline="") as fh:
            yield _sheet(_csv_rows(path, fh))
    elif suffix in (".xlsx", ".xlsm"):
        try:
            with open_worksheet(path) as ws:
                sheet = _sheet(_xlsx_rows(path, ws.rows))
                sheet.size = ws.size
                yield sheet
        except NotXlsx as exc:
            raise _unreadable(path, exc) from None
    else:
        raise InvalidInput(_("Import .csv or .xlsx files, not {file}.", file=path.name))


def _unreadable(path: pathlib.Path, exc: NotXlsx) -> InvalidInput:
    return InvalidInput(_("{file} is not a readable XLSX file: {error}", file=path.name,
                          error=str(exc)[:200]))


def _xlsx_rows(path: pathlib.Path, rows: Iterator[tuple[int, list[Any]]]
               ) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from rows
    except NotXlsx as exc:
        raise _unreadable(path, exc) from None


def _csv_rows(path: pathlib.Path, fh: Any) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cells) of a CSV file; a line the csv module cannot read (a cell over
    its size limit, a stray NUL, bytes that are not the file's encoding) is refused clearly."""
    reader = csv.reader(fh)
    for number in itertools.count(1):  # records, as a spreadsheet numbers its rows
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(_("{file} cannot be read as CSV near line {line}: {error}",
                                 file=path.name, line=reader.line_num + 1,
                                 error=str(exc)[:200])) from None
        yield number, row


def _sheet(rows: Iterator[tuple[int, list[Any]]]) -> Sheet:
    for _number, cells in rows:
        if not _blank(cells):
            return Sheet(list(cells), ((n, c) for n, c in rows if not _blank(c)), None)
    return Sheet([], iter(()), 0)
