"""The scoring commands through the real CLI on a seeded demo database."""

import os
import subprocess
import sys
from pathlib import Path

CREDITBOT = [sys.executable, "-m", "bot"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(CREDITBOT + args, env=env, capture_output=True, text=True,
                          timeout=300)


def test_demo_scores_explains_and_backtests(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/c.db", "CREDITBOT_SCHEDULER": "0",
           "COLUMNS": "160", "LANG": "en_US.UTF-8"}
    for key in ("CREDITBOT_POLICY_DIR", "BUREAU_API_URL", "CREDITBOT_BUREAU_PROVIDER"):
        env.pop(key, None)
    seeded = run(["demo", "--customers", "25"], env)
    assert seeded.returncode == 0, seeded.stderr
    assert "Bureau records fetched for 25 customers" in seeded.stdout
    assert "accounts scored" in seeded.stdout

    shown = run(["score", "show", "华为技术"], env)
    assert shown.returncode == 0, shown.stderr
    assert "Payment index (PAYDEX scale)" in shown.stdout and "→ grade" in shown.stdout

    view = run(["customer", "show", "华为技术", "--as", "wangfang"], env)
    assert view.returncode == 0, view.stderr
    assert "华为技术有限公司" in view.stdout and "aging:" in view.stdout
    assert "bureau (tianyancha" in view.stdout
    refused = run(["customer", "show", "华为技术", "--as", "wulei"], env)
    assert refused.returncode == 1 and "华为" not in refused.stdout

    bt = run(["score", "backtest", "--since", "2026-01-01"], env)
    assert bt.returncode == 0, bt.stderr
    assert "Backtest 2026-01-01" in bt.stdout and "accounts (" in bt.stdout

    again = run(["score", "recompute"], env)
    assert again.returncode == 0 and "0 new or changed scores" in again.stdout
