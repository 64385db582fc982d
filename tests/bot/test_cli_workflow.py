"""`creditbot policy` and `creditbot app` on a demo database: check and install policies,
simulate routes, and walk one application through approval from the terminal."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import get_settings

BAD = """routes:
  - name: small
    when: amout < 50000
    steps: [sales_manager]
  - name: rest
    steps: [auditor]
"""
GOOD = """routes:
  - name: everything
    steps: [finance_manager]
"""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/creditbot.db")
    monkeypatch.setenv("CREDITBOT_SCHEDULER", "0")
    monkeypatch.delenv("CREDITBOT_POLICY_DIR", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    get_settings.cache_clear()
    runner = CliRunner()
    seeded = runner.invoke(app, ["demo", "--customers", "30"])
    assert seeded.exit_code == 0, seeded.output
    yield runner
    get_settings.cache_clear()


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_policy_check_install_and_simulate(cli: CliRunner, tmp_path: Path) -> None:
    bad, good = tmp_path / "approval.yaml", tmp_path / "good.yaml"
    bad.write_text(BAD)
    good.write_text(GOOD)
    out = run(cli, "policy", "check", str(bad), code=1)
    assert "line 3: routes[0].when" in out and "unknown name(s) amout" in out
    assert "line 6: routes[1].steps[0].role" in out
    assert "valid" in run(cli, "policy", "check", str(good), "--kind", "approval")
    assert "default approval: valid" in run(cli, "policy", "check")

    small = run(cli, "policy", "simulate", "--customer", "华为", "--type", "temporary",
                "--amount", "3万", "--bu", "IND")
    assert "Route: small, chosen because amount < 50000" in small
    assert "1. sales manager: 李强" in small and "2." not in small
    middle = run(cli, "policy", "simulate", "--customer", "华为", "--type", "temporary",
                 "--amount", "120,000", "--bu", "IND")
    assert "Route: middle" in middle and "2. finance manager: 张伟" in middle
    large = run(cli, "policy", "simulate", "--customer", "华为", "--type", "temporary",
                "--amount", "50万", "--bu", "IND")
    assert "Route: large, chosen because it is the default route" in large
    assert "3. risk director: 刘洋" in large and "route small: amount < 50000 is false" in large

    refused = run(cli, "policy", "install", str(bad), "--bu", "IND", code=1)
    assert "policy in force stays" in refused
    assert "the shipped default" in run(cli, "policy", "show", "--bu", "IND")
    assert "version 1 is in force for IND" in run(cli, "policy", "install", str(good),
                                                  "--bu", "IND", "--kind", "approval")
    after = run(cli, "policy", "simulate", "--customer", "华为", "--type", "temporary",
                "--amount", "50万", "--bu", "IND")
    assert "Route: everything" in after and "(approval policy version 1)" in after


def test_walk_an_application_through_approval(cli: CliRunner) -> None:
    out = run(cli, "app", "submit", "--as", "wangfang", "--customer", "华为", "--bu", "IND",
              "--type", "increase", "--amount", "1.5亿", "--reason", "年度框架合同",
              "--attach", "https://files.example.com/contract.pdf")
    match = re.search(r"APP-\d{4}-\d{6}", out)
    assert match, out
    number = match.group(0)
    assert "in approval" in out and "pending with 李强 (sales manager, step 1)" in out
    assert "then step 3: risk director: 刘洋" in out

    out = run(cli, "app", "approve", number, "--as", "liqiang", "--comment", "回款稳定")
    assert "李强: approved (sales manager): 回款稳定" in out and "pending with 张伟" in out
    again = run(cli, "app", "approve", number, "--as", "liqiang", code=1)
    assert f"{number} was already approved by 李强 at" in again
    assert "not an approver" in run(cli, "app", "approve", number, "--as", "wulei", code=1)

    out = run(cli, "app", "return", number, "--as", "zhangwei", "--reason", "请补充回款明细")
    assert "returned for more information" in out
    assert "pending with" not in out
    out = run(cli, "app", "resubmit", number, "--as", "wangfang", "--amount", "1.2亿",
              "--reason", "已补充回款明细")
    assert "round 2" in out and "pending with 李强" in out
    assert number in run(cli, "app", "list", "--pending-for", "liqiang")
    run(cli, "app", "approve", number, "--as", "liqiang")
    run(cli, "app", "approve", number, "--as", "zhangwei")
    out = run(cli, "app", "approve", number, "--as", "liuyang", "--comment", "同意")
    assert ": approved" in out.splitlines()[0]
    assert "→ ¥120,000,000.00" in out
    assert number not in run(cli, "app", "list", "--pending-for", "liuyang")

    show = run(cli, "app", "show", number)
    actions = [line.split(": ", 1)[1].split(" ")[0].rstrip(":")
               for line in show.splitlines() if line.startswith("  20")]
    assert actions == ["submitted", "approved", "returned", "resubmitted", "approved",
                       "approved", "approved", "effect"]
    listed = run(cli, "app", "list", "--customer", "华为", "--bu", "IND")
    assert number in listed and "approved" in listed
