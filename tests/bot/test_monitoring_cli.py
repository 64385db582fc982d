"""`creditbot jobs` and `creditbot outbox` on the demo data, through the real command."""

import os
import re
import subprocess
import sys
from pathlib import Path

CREDITBOT = [sys.executable, "-m", "bot"]


def test_jobs_and_outbox_commands(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/creditbot.db",
           "CREDITBOT_SCHEDULER": "0", "LANG": "en_US.UTF-8", "COLUMNS": "250"}
    env.pop("CREDITBOT_POLICY_DIR", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CREDITBOT, *args], env=env, capture_output=True, text=True,
                              timeout=120)

    assert run("demo", "--customers", "30").returncode == 0

    def pending() -> int:
        listing = run("outbox", "list", "--status", "pending", "--limit", "5000").stdout
        found = re.search(r"pending: (\d+)", listing)
        return int(found.group(1)) if found else 0

    before = pending()  # the demo's bureau refresh already raised some alerts
    dry = run("jobs", "run", "overdue-scan", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "overdue-scan: ok (dry run: nothing was changed)" in dry.stdout
    would = int(re.search(r"Would send (\d+) message", dry.stdout).group(1))  # type: ignore[union-attr]
    assert pending() == before  # the dry run wrote nothing
    # A rule's firing says which rule, on which event, and what its actions did.
    fired = re.findall(r"rule\.fired credit_account \d+: (.*)", dry.stdout)
    assert fired and all(re.match(r"[\w-]+ ← \w+: \w+ (done|unchanged|failed)", f)
                         for f in fired), fired

    real = run("jobs", "run", "overdue-scan")
    assert real.returncode == 0 and "overdue-scan: ok" in real.stdout
    assert pending() == before + would
    jobs = run("jobs", "list").stdout
    assert re.search(r"overdue-scan .*0 8 \* \* \*", jobs) and "ok (manual)" in jobs
    assert "never" in jobs  # the other jobs have not run

    unknown = run("jobs", "run", "nope")
    assert unknown.returncode == 1 and "Unknown job nope" in unknown.stderr
    refused = run("outbox", "retry")
    assert refused.returncode == 1 and "retry every dead one" in refused.stderr
    assert "0 message(s) purged." in run("outbox", "purge").stdout
