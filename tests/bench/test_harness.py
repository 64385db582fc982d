"""The benchmark harness at a tiny scale on SQLite, so that it cannot rot: every benchmark
gives its row, and the order check never reserved beyond a hot customer's limit (not timed:
the speed targets live in ``bench/results.md``)."""

from __future__ import annotations

import pathlib

import pytest

pytestmark = pytest.mark.slow


def test_every_benchmark_reports_a_row(tmp_path: pathlib.Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_DATA_DIR", str(tmp_path / "data"))
    from bench.config import scale
    from bench.runner import run

    out = tmp_path / "results.md"
    rows = run(scale("tiny"), ["sqlite"], out)

    names = [r.benchmark for r in rows]
    for prefix, count in (("1. monitoring scan", 1), ("2. dashboard KPIs", 2),
                          ("3. order credit checks", 2), ("4. Slack approve tap", 1),
                          ("4. … its acknowledgement", 1), ("5. memory the scan adds", 1),
                          ("5. memory an XLSX import adds", 1)):
        assert sum(n.startswith(prefix) for n in names) == count, (prefix, names)
    correctness = [r for r in rows if "no over-reservation" in r.benchmark]
    assert [r.met for r in correctness] == [True], correctness
    ratios = [r.ratio for r in rows if r.ratio is not None]
    assert ratios and all(ratio > 0 for ratio in ratios)
    approvals = next(r for r in rows if r.benchmark.startswith("4. Slack approve tap"))
    assert "unanswered" not in approvals.creditbot  # every tap was decided and its card updated
    scan_memory = next(r for r in rows if r.benchmark.startswith("5. memory the scan adds"))
    assert "SQLite's own" in scan_memory.creditbot  # the database's part is shown, not hidden
    written = out.read_text(encoding="utf-8")
    assert "| benchmark | database | creditbot | floor | ratio | target | met? |" in written
    assert "CPU:" in written and "SQLite" in written
    lines = written.splitlines()
    header = lines.index("| benchmark | database | creditbot | floor | ratio | target | met? |")
    table = [line for line in lines[header + 2:header + 2 + len(rows) + 1]
             if line.startswith("| ")]
    assert len(table) == len(rows)  # one line per row, then the notes
    # The server logged to a file (a pipe nobody read stopped it once full).
    assert (tmp_path / "data" / "serve-sqlite-tiny.log").exists()


def test_the_slack_rows_deliver_to_everyone_once_caught_up(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Everyone is on Slack, so the notices are rendered and posted as in production; and a
    row starts once the dispatcher has worked through what earlier rows left (else it would
    pay for their deliveries too, more on every run of a reused data set)."""
    monkeypatch.setenv("BENCH_DATA_DIR", str(tmp_path / "data"))
    from sqlalchemy import select, update

    from bench import data, slack
    from bench.config import scale
    from credit_domain.bootstrap import build_domain
    from credit_domain.orgs.models import Person, PlatformIdentity
    from credit_domain.outbox.models import OutboxMessage, OutboxStatus

    domain = build_domain(data.prepare("sqlite", scale("tiny"), print))
    try:
        slack.prepare(domain, 2, "1")  # submitted applications: notices are due
        with domain.read() as s:  # to people on Slack, so they are delivered, not given up on
            on_slack = set(s.scalars(select(PlatformIdentity.person_id).where(
                PlatformIdentity.platform == "slack")))
            assert on_slack and on_slack == set(s.scalars(select(Person.id)))
        said: list[str] = []
        with pytest.raises(RuntimeError, match="messages due after"):
            slack.caught_up(domain, said.append, timeout=0.2)  # no dispatcher runs
        with domain.uow() as uow:
            uow.session.execute(update(OutboxMessage).values(status=OutboxStatus.SENT))
            uow.commit()
        slack.caught_up(domain, said.append, timeout=0.2)
        assert said == []  # nothing was due: returns at once, says nothing
    finally:
        domain.dispose()


def test_a_rerun_asks_the_same_approvers(tmp_path: pathlib.Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs reuse the cached data set: a run that enrolled one more approver would put them
    on every later route, so each run's release applications and approvals would cost more
    than the last and the figures would drift with the number of runs."""
    monkeypatch.setenv("BENCH_DATA_DIR", str(tmp_path / "data"))
    from sqlalchemy import func, select

    from bench import data, slack
    from bench.config import scale
    from credit_domain.bootstrap import build_domain
    from credit_domain.orgs.models import RoleAssignment

    domain = build_domain(data.prepare("sqlite", scale("tiny"), print))
    try:
        holders = []
        for run in ("1", "2"):
            taps = slack.prepare(domain, 2, run)
            assert taps.buttons
            with domain.read() as s:
                holders.append(s.scalar(select(func.count()).select_from(RoleAssignment)))
        assert holders[0] == holders[1]
    finally:
        domain.dispose()
