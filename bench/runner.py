"""Runs every benchmark on each database, prints the table and writes ``bench/results.md``."""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench import cases, data, floor, memory, orders, report, slack
from bench.config import RESULTS, SCALES, Scale, data_dir, pg_server_url, scale, scratch_url
from bench.report import Row
from credit_domain.analytics.facts import months_before
from credit_domain.bootstrap import Domain, build_domain
from credit_domain.db.migrate import upgrade
from credit_domain.demo.bulk import generate

NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _median_pair(repeats: int, mine: Callable[[], Any], theirs: Callable[[], Any]
                 ) -> tuple[float, float, Any, Any]:
    """Alternate the two ``repeats`` times (noise hits both); median seconds of each."""
    a: list[float] = []
    b: list[float] = []
    ra = rb = None
    for _ in range(repeats):
        t = time.perf_counter()
        rb = theirs()
        b.append(time.perf_counter() - t)
        t = time.perf_counter()
        ra = mine()
        a.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b), ra, rb


def bench_scan(domain: Domain, sc: Scale, db: str) -> list[Row]:
    today = domain.clock.now().date()

    def theirs() -> int:
        with domain.engine.connect() as conn:
            return floor.scan(conn, 1, today)

    mine, base, counts, n = _median_pair(sc.repeats, lambda: cases.scan(domain, today), theirs)
    assert counts["accounts"] == n, (counts, n)
    target = "≤ 1.5×, < 10 s" if db == "sqlite" else "≤ 1.5×"
    met = mine / base <= 1.5 and (db != "sqlite" or mine < 10)
    return [Row(f"1. monitoring scan, {n:,} accounts", NAMES[db], f"{mine:.2f} s",
                f"{base:.2f} s", mine / base, target, met)]


def bench_kpis(domain: Domain, sc: Scale, db: str) -> list[Row]:
    rows = []
    for label, scope, team in (("whole book", "", None), ("one team", "bu:BIG,team:T1", 1)):
        holder: dict[str, Any] = {}

        def mine(scope: str = scope, holder: dict[str, Any] = holder) -> Any:
            holder["report"] = cases.kpis(domain, scope)
            return holder["report"]

        def theirs(team: int | None = team, holder: dict[str, Any] = holder) -> Any:
            report_ = holder.get("report") or cases.kpis(domain, "")
            as_of = report_.as_of
            with domain.engine.begin() as conn:
                return floor.kpis(conn, 1, as_of, months_before(as_of, 3), team)

        holder["report"] = cases.kpis(domain, scope)  # warm, and the date for the floor
        a, b, rep, out = _median_pair(sc.repeats, mine, theirs)
        assert rep.totals.accounts == out["totals"].accounts, (rep.totals, out["totals"])
        target = "≤ 1.5×, < 10 s" if db == "sqlite" else "≤ 1.5×"
        met = a / b <= 1.5 and (db != "sqlite" or a < 10)
        rows.append(Row(f"2. dashboard KPIs, {label} ({rep.totals.accounts:,} accounts)",
                        NAMES[db], f"{a:.2f} s", f"{b:.2f} s", a / b, target, met))
    return rows


def bench_orders(domain: Domain, sc: Scale, db: str, run: str) -> tuple[list[Row], Any]:
    limit = orders.hot_limit(sc.checks_per_client)
    hot = orders.hot_accounts(domain, run, limit)
    plan = orders.make_plan(domain, hot, sc.checks_per_client, seed=int(run) % 1000)
    base = orders.run_floor(domain, plan, hot, limit)
    mine = orders.run_creditbot(domain, plan, run)
    problems = orders.check_no_over_reservation(domain, hot, limit)
    checks = sum(len(p) for p in plan)
    ok = not problems and mine.errors == 0
    rows = [
        Row(f"3. order credit checks, {orders.CLIENTS} clients, {checks:,} checks "
            f"(service)", NAMES[db], f"{mine.per_second:,.0f}/s",
            f"{base.per_second:,.0f}/s", base.per_second / mine.per_second, "≤ 3×",
            base.per_second / mine.per_second <= 3),
        Row("3. … no over-reservation on the hot customers", NAMES[db],
            f"{mine.passed:,} passed, {mine.errors} errors" + (
                f"; {'; '.join(problems)}" if problems else ""),
            f"{base.passed:,} passed", None, "none over", ok),
    ]
    return rows, ok


def bench_server(domain: Domain, url: str, sc: Scale, db: str, run: str) -> list[Row]:
    taps = slack.prepare(domain, sc.slack_requests, run)
    limit = orders.hot_limit(sc.checks_per_client)
    hot = orders.hot_accounts(domain, run + "1", limit)
    plan = orders.make_plan(domain, hot, sc.checks_per_client, seed=int(run) % 1000 + 1)
    base = orders.run_floor(domain, plan, hot, limit)  # before the server is up and busy
    fake = slack.FakeSlack()
    server = slack.Server(url, fake.url, data_dir() / f"serve-{db}-{sc.name}.log")
    try:
        slack.warm_up(server, run)
        slack.caught_up(domain, log)  # each row pays for its own deliveries only
        noop = slack.noop(server, len(taps.buttons), run)
        acks, e2e = slack.approve(server, fake, taps, run)
        slack.caught_up(domain, log)
        http = slack.order_checks(server, taps.api_token, plan, run + "1")
    finally:
        server.stop()
        fake.stop()
    problems = orders.check_no_over_reservation(domain, hot, limit)
    n = len(taps.buttons)
    missing = n - len(e2e.latencies)
    ratio = noop.per_second / e2e.per_second
    return [
        Row(f"3. order credit checks, {orders.CLIENTS} clients (REST API over HTTP)",
            NAMES[db], f"{len(http.latencies) / http.seconds:,.0f}/s, p50 "
            f"{http.p50 * 1000:.0f} ms" + (f"; {'; '.join(problems)}" if problems else ""),
            f"{base.per_second:,.0f}/s", base.per_second * http.seconds / len(http.latencies),
            "≤ 3×", base.per_second * http.seconds / len(http.latencies) <= 3
            and not problems and set(http.statuses) == {200}),
        Row(f"4. Slack approve tap end to end, {slack.CLIENTS} clients, {n:,} taps",
            NAMES[db], f"{e2e.per_second:,.0f}/s, p50 {e2e.p50:.2f} s, p99 "
            f"{e2e.p(0.99):.2f} s" + (f", {missing} unanswered" if missing else ""),
            f"no-op {noop.per_second:,.0f}/s, p50 {noop.p50:.2f} s, p99 {noop.p(0.99):.2f} s",
            ratio, "≤ 2× (throughput)", ratio <= 2 and not missing),
        Row("4. … its acknowledgement (Slack waits 3 s)", NAMES[db],
            f"p50 {acks.p50:.2f} s, p99 {acks.p(0.99):.2f} s", "3 s", acks.p(0.99) / 3,
            "p99 ≤ 1 s", acks.p(0.99) <= 1 and set(acks.statuses) == {200}),
    ]


def _scratch(db: str, name: str) -> str:
    url = scratch_url(db, name)
    data.create_database(db, url)
    domain = build_domain(url)
    upgrade(domain.engine)
    generate(domain.engine, customers=1, invoices=0, payments=0, orders=0,
             today=domain.clock.now().date(), now=domain.clock.now())
    domain.dispose()
    return url


def _creditbots(result: dict[str, Any]) -> float:
    """What the work added to the process beyond the database engine's own allocations
    (SQLite's, in the process; PostgreSQL's are in its server)."""
    return float(result["net_mib"] - (result.get("sqlite_mib") or 0))


def _memory_cell(result: dict[str, Any], floor: dict[str, Any] | None = None) -> str:
    cell = f"{result['net_mib']:.1f} MiB"
    if result.get("sqlite_mib") is not None:
        cell += f", SQLite's own {result['sqlite_mib']:.1f}"
    if floor is not None:
        cell += f" (floor {floor['net_mib']:.1f}" + (
            f", SQLite's own {floor['sqlite_mib']:.1f})" if floor.get("sqlite_mib") is not None
            else ")")
    return cell


def bench_memory(urls: dict[str, str], sc: Scale, db: str) -> list[Row]:
    """Memory is compared net of the process's baseline (the interpreter and the modules),
    else some 100 MiB common to both sizes would hide how the work itself grows; on SQLite,
    the ratio leaves out what SQLite allocated itself (the database's sorters and temporary
    tables, which the floor's statement needs as well and which PostgreSQL spends in its
    server), so that it measures whether creditbot streams."""
    rows = []
    small = SCALES[sc.smaller] if sc.smaller else None
    big = memory.measure("scan", urls[sc.name])
    big_floor = memory.measure("floor-scan", urls[sc.name])
    what = "5. memory the scan adds (beyond the database's own)"
    if small is not None:
        little = memory.measure("scan", urls[small.name])
        little_floor = memory.measure("floor-scan", urls[small.name])
        ratio = _creditbots(big) / _creditbots(little)
        rows.append(Row(f"{what}, {sc.customers:,} vs {small.customers:,} accounts", NAMES[db],
                        _memory_cell(big, big_floor), _memory_cell(little, little_floor),
                        ratio, "≤ 1.25× (flat)", ratio <= 1.25))
    else:
        rows.append(Row(f"{what}, {sc.customers:,} accounts", NAMES[db],
                        _memory_cell(big, big_floor), "—", None, "—", None))
    files = data_dir() / "files"
    sizes = [sc.import_rows] + ([small.import_rows] if small else [])
    results = []
    for n in sizes:
        path = memory.write_customers_xlsx(files / f"customers-{n}.xlsx", n)
        url = _scratch(db, f"import{n}")
        try:
            results.append(memory.measure("import", url, str(path)))
        finally:
            data.drop_database(db, url)
        log(f"{db}: imported {n} rows in {results[-1]['seconds']:.0f} s, "
            f"adding {results[-1]['net_mib']:.1f} MiB to a {results[-1]['peak_mib']:.0f} MiB "
            "peak")
    what = "5. memory an XLSX import adds (beyond the database's own)"
    if len(results) == 2:
        ratio = _creditbots(results[0]) / _creditbots(results[1])
        rows.append(Row(
            f"{what}, {sizes[0]:,} vs {sizes[1]:,} rows", NAMES[db],
            f"{_memory_cell(results[0])} ({results[0]['seconds']:.0f} s)",
            f"{_memory_cell(results[1])} ({results[1]['seconds']:.0f} s)", ratio,
            "≤ 1.25× (flat)", ratio <= 1.25))
    else:
        rows.append(Row(f"{what}, {sizes[0]:,} rows", NAMES[db],
                        _memory_cell(results[0]), "—", None, "—", None))
    return rows


class _Rows(list[Row]):
    """The rows so far; each is logged as it comes, so a long run shows its progress."""

    def add(self, more: list[Row]) -> None:
        for row in more:
            log(" | ".join(row.cells()))
        self.extend(more)


def run(sc: Scale, databases: list[str], out: pathlib.Path | None) -> list[Row]:
    rows = _Rows()
    for db in databases:
        urls = {sc.name: data.prepare(db, sc, log)}
        if sc.smaller:
            urls[sc.smaller] = data.prepare(db, SCALES[sc.smaller], log)
        domain = build_domain(urls[sc.name])
        run_id = str(int(time.time()))
        try:
            log(f"{db}: scan")
            rows.add(bench_scan(domain, sc, db))
            log(f"{db}: KPIs")
            rows.add(bench_kpis(domain, sc, db))
            log(f"{db}: order checks")
            rows.add(bench_orders(domain, sc, db, run_id)[0])
            log(f"{db}: creditbot serve (order checks over HTTP, Slack)")
            rows.add(bench_server(domain, urls[sc.name], sc, db, run_id))
        finally:
            domain.dispose()
        log(f"{db}: memory")
        rows.add(bench_memory(urls, sc, db))
        log(f"{db}: done")
    text = report.table(rows)
    print(text)
    if out is not None:
        write(out, sc, databases, text)
    return rows


def write(out: pathlib.Path, sc: Scale, databases: list[str], text: str) -> None:
    notes = pathlib.Path(__file__).with_name("notes.md")
    pg = data.server_url_if(databases)
    body = [
        "# Benchmark results", "",
        "Written by `make bench` (`python -m bench`); see the notes below for what each row "
        "measures.", "",
        f"Scale `{sc.name}`: {sc.customers:,} customers, {sc.invoices:,} invoices, "
        f"{sc.payments:,} payments, {sc.orders:,} orders.", "",
        report.machine(pg), "", text, "",
    ]
    if notes.exists():
        body += [notes.read_text(encoding="utf-8").strip(), ""]
    out.write_text("\n".join(body), encoding="utf-8")
    log(f"wrote {out}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", default=None, help="full (default, or BENCH_SCALE), "
                        "small or tiny")
    parser.add_argument("--db", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--out", default=None, help="where to write the table ('-': "
                        "nowhere; default bench/results.md at full scale, else "
                        "bench/results-SCALE.md)")
    args = parser.parse_args(argv)
    databases = [d.strip() for d in args.db.split(",") if d.strip()]
    for d in databases:
        if d not in NAMES:
            raise SystemExit(f"unknown database {d!r}")
    log(f"PostgreSQL server: {pg_server_url()}" if "postgresql" in databases else "SQLite only")
    sc = scale(args.scale)
    out = args.out or str(RESULTS if sc.name == "full" else
                          RESULTS.with_name(f"results-{sc.name}.md"))
    run(sc, databases, None if out == "-" else pathlib.Path(out))
