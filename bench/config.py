"""Sizes, places and the version of the cached data sets."""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

from sqlalchemy.engine import make_url

ROOT = pathlib.Path(__file__).resolve().parent
RESULTS = ROOT / "results.md"
# Bump when the generator or the set-up changes what a cached data set holds.
# 3: managers and directors who decide the routes' steps; 4: the Slack approver once per data
# set (before, each run enrolled one more, whom every later route asked too)
DATA_VERSION = 4
SEED = 7
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Scale:
    name: str
    customers: int
    invoices: int
    payments: int
    orders: int
    import_rows: int  # rows of the XLSX file imported for the memory benchmark
    checks_per_client: int  # order credit checks per client (8 clients)
    slack_requests: int  # approve taps (and no-op requests), 50 clients
    repeats: int  # timed repetitions of the scan and the KPIs (the median is reported)
    smaller: str | None  # the scale memory is compared with (flat in rows?)


SCALES = {
    "full": Scale("full", 100_000, 1_000_000, 500_000, 200_000, 100_000, 250, 1000, 3, "small"),
    "small": Scale("small", 10_000, 100_000, 50_000, 20_000, 10_000, 100, 300, 3, "tiny"),
    "tiny": Scale("tiny", 300, 3_000, 1_500, 400, 300, 10, 40, 1, None),
}


def data_dir() -> pathlib.Path:
    """Where data sets and files are kept (``BENCH_DATA_DIR``, default ``bench/.data``)."""
    return pathlib.Path(os.environ.get("BENCH_DATA_DIR") or ROOT / ".data")


def scale(name: str | None = None) -> Scale:
    name = name or os.environ.get("BENCH_SCALE") or "full"
    if name not in SCALES:
        raise SystemExit(f"unknown scale {name!r}; use one of {', '.join(SCALES)}")
    return SCALES[name]


def pg_server_url() -> str:
    return os.environ.get("CREDITBOT_BENCH_PG_URL") or DEFAULT_PG_URL


def database_url(kind: str, sc: Scale) -> str:
    """Where the data set of ``sc`` lives on ``kind`` (sqlite | postgresql)."""
    if kind == "sqlite":
        return f"sqlite:///{data_dir() / f'book-{sc.name}-v{DATA_VERSION}.db'}"
    url = make_url(pg_server_url()).set(database=f"creditbot_bench_{sc.name}")
    return url.render_as_string(hide_password=False)


def scratch_url(kind: str, name: str) -> str:
    """A throw-away database (the import benchmark writes into an empty one)."""
    if kind == "sqlite":
        return f"sqlite:///{data_dir() / f'scratch-{name}.db'}"
    url = make_url(pg_server_url()).set(database=f"creditbot_bench_scratch_{name}")
    return url.render_as_string(hide_password=False)
