"""Peak memory, measured in a child process (its own high-water mark), of the
monitoring scan over a whole book and of importing an XLSX file of customers.

``python -m bench.memory scan URL`` (``floor-scan URL``: the floor's statement) and
``python -m bench.memory import URL FILE`` print one line of JSON: the seconds taken, the peak
resident set in MiB, ``net_mib``, what the work added to the peak of a process that had
already loaded everything (the interpreter and its modules, some 100 MiB, are not the work's),
and on SQLite ``sqlite_mib``, how much of that SQLite allocated itself: SQLite runs in the
process, and a grouped statement's sorters and temporary tables are the database's memory,
which PostgreSQL spends in its server (not measured) and the floor's statement as well.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import pathlib
import resource
import subprocess
import sys
import time
from typing import Any

import openpyxl

from bench.config import SEED


def write_customers_xlsx(path: pathlib.Path, rows: int) -> pathlib.Path:
    """An XLSX file of ``rows`` new customers (the import template's columns), streamed."""
    import random

    from credit_domain.demo.seed import org_code
    from credit_domain.uscc import make_uscc

    if path.exists():
        return path
    rng = random.Random(SEED)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("customers")
    sheet.append(["Customer No.", "Legal name", "USCC", "Payment terms (days)",
                  "Initial credit limit"])
    seen: set[str] = set()
    for i in range(1, rows + 1):
        uscc = make_uscc("91320000" + org_code(rng))
        while uscc in seen:
            uscc = make_uscc("91320000" + org_code(rng))
        seen.add(uscc)
        sheet.append([f"N{i:07d}", f"江苏导入{i:07d}机械有限公司", uscc, 60, "200000"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    book.save(tmp)
    tmp.rename(path)
    return path


def measure(*args: str) -> dict[str, Any]:
    """Run this module in a child with ``args``; its JSON answer."""
    out = subprocess.run([sys.executable, "-m", "bench.memory", *args], check=True,
                         capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _peak_mib() -> float:
    """This process's peak resident set. ``ru_maxrss`` survives ``exec`` on Linux (a child
    of a large parent starts with the parent's peak), so read the high-water mark of this
    process's own memory map where the kernel shows it."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _SqliteMemory:
    """SQLite's own allocations (``sqlite3_memory_highwater``), read from the library the
    ``sqlite3`` module is linked to; None where it is not that library (a static build)."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("sqlite3")
        self.lib = ctypes.CDLL(name) if name else None
        if self.lib is not None:
            self.lib.sqlite3_memory_used.restype = ctypes.c_int64
            self.lib.sqlite3_memory_highwater.restype = ctypes.c_int64
            self.lib.sqlite3_memory_highwater.argtypes = [ctypes.c_int]
        self.before = 0

    def start(self) -> None:
        if self.lib is not None:
            self.before = self.lib.sqlite3_memory_used()
            self.lib.sqlite3_memory_highwater(1)  # the mark starts again from here

    def added_mib(self) -> float | None:
        if self.lib is None or self.lib.sqlite3_memory_used() == 0:
            return None  # not the library the connections use
        return float(self.lib.sqlite3_memory_highwater(0) - self.before) / 2**20


def _measured(url: str, base: float, started: float, sqlite: _SqliteMemory) -> dict[str, Any]:
    peak = _peak_mib()
    return {"seconds": time.perf_counter() - started, "peak_mib": peak, "baseline_mib": base,
            "net_mib": peak - base,
            "sqlite_mib": sqlite.added_mib() if url.startswith("sqlite") else None}


def _scan(url: str, *, floor: bool = False) -> dict[str, Any]:
    """The scan (or, with ``floor``, its hand-written SQL) in a process that has loaded
    everything first: ``net_mib`` is what the scan itself added to the peak."""
    from bench import cases
    from bench import floor as floor_sql
    from credit_domain.bootstrap import build_domain

    domain = build_domain(url)
    today = domain.clock.now().date()
    with domain.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")  # the connection (and its pool) are not the work
    sqlite = _SqliteMemory()
    base = _peak_mib()
    sqlite.start()
    started = time.perf_counter()
    if floor:
        with domain.engine.connect() as conn:
            counts: Any = floor_sql.scan(conn, 1, today)
    else:
        counts = cases.scan(domain, today)
    return {**_measured(url, base, started, sqlite), "counts": counts}


def _import(url: str, file: str) -> dict[str, Any]:
    from credit_domain.access import Actor
    from credit_domain.bootstrap import build_domain
    from credit_domain.importing.service import import_file

    domain = build_domain(url)
    sqlite = _SqliteMemory()
    base = _peak_mib()
    sqlite.start()
    started = time.perf_counter()
    report = import_file(domain, "customers", pathlib.Path(file), business_unit="BIG",
                         actor=Actor.system("bench-import"))
    if not report.imported:
        raise SystemExit(f"import refused: {report.problems[:5]}")
    return {**_measured(url, base, started, sqlite), "rows": report.rows,
            "created": report.created}


def main() -> None:
    what = sys.argv[1]
    if what in ("scan", "floor-scan"):
        result = _scan(sys.argv[2], floor=what == "floor-scan")
    else:
        result = _import(sys.argv[2], sys.argv[3])
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
