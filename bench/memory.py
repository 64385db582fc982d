"""Peak memory, measured in a child process (its own high-water mark), of the
monitoring scan over a whole book and of importing an XLSX file of customers.

``python -m bench.memory scan URL`` (``floor-scan URL``: the floor's statement) and
``python -m bench.memory import URL FILE`` print one line of JSON: the seconds taken, the peak
resident set in MiB, and ``net_mib``, what the work added to the peak of a process that had
already loaded everything (the interpreter and its modules, some 100 MiB, are not the work's).
"""

from __future__ import annotations

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


def _scan(url: str, *, floor: bool = False) -> dict[str, Any]:
    """The scan (or, with ``floor``, its hand-written SQL) in a process that has loaded
    everything first: ``net_mib`` is what the scan itself added to the peak."""
    from bench import cases
    from bench import floor as floor_sql
    from credit_domain.bootstrap import build_domain

    domain = build_domain(url)
    today = domain.clock.now().date()
    base = _peak_mib()
    started = time.perf_counter()
    if floor:
        with domain.engine.connect() as conn:
            counts: Any = floor_sql.scan(conn, 1, today)
    else:
        counts = cases.scan(domain, today)
    peak = _peak_mib()
    return {"seconds": time.perf_counter() - started, "peak_mib": peak,
            "baseline_mib": base, "net_mib": peak - base, "counts": counts}


def _import(url: str, file: str) -> dict[str, Any]:
    from credit_domain.access import Actor
    from credit_domain.bootstrap import build_domain
    from credit_domain.importing.service import import_file

    domain = build_domain(url)
    base = _peak_mib()
    started = time.perf_counter()
    report = import_file(domain, "customers", pathlib.Path(file), business_unit="BIG",
                         actor=Actor.system("bench-import"))
    if not report.imported:
        raise SystemExit(f"import refused: {report.problems[:5]}")
    peak = _peak_mib()
    return {"seconds": time.perf_counter() - started, "peak_mib": peak,
            "baseline_mib": base, "net_mib": peak - base, "rows": report.rows,
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
