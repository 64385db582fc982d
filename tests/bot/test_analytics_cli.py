"""`creditbot kpis` and `creditbot web login-link` through the real command."""

import json
import os
import subprocess
import sys

from credit_domain.bootstrap import Domain
from tests.analytics_book import build_book

CREDITBOT = [sys.executable, "-m", "bot"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(CREDITBOT + args, env=env, capture_output=True, text=True, timeout=120)


def test_kpis_json_and_login_link(domain: Domain, sqlite_url: str) -> None:
    book = build_book(domain)
    env = {**os.environ, "DATABASE_URL": sqlite_url, "CREDITBOT_SCHEDULER": "0"}
    env.pop("CREDITBOT_SECRET_KEY", None)
    # The real clock is past 2026-03-02: the figures come from the allocation history and
    # match the hand-computed ones.
    out = run(["kpis", "--scope", "bu:IND", "--as-of", "2026-03-02", "--json"], env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["totals"]["receivables"] == "241000.00"
    assert report["collection"]["countback_dso"] == "83.0"
    assert report["collection"]["cei"] == "49.5"
    seller = run(["kpis", "--as-of", "2026-03-02", "--json", "--as", str(book.salesperson_2)],
                 env)
    assert json.loads(seller.stdout)["totals"]["accounts"] == 1
    refused = run(["kpis", "--scope", "bu:CON", "--as", "李强"], env)
    assert refused.returncode == 1 and "no role" in refused.stderr
    text = run(["kpis", "--scope", "bu:IND", "--as-of", "2026-03-02"],
               {**env, "LANG": "zh_CN.UTF-8"})
    assert "工业品事业部" in text.stdout and "¥318,000.00" in text.stdout

    no_key = run(["web", "login-link", "张伟"], env)
    assert no_key.returncode == 1 and "CREDITBOT_SECRET_KEY" in no_key.stderr
    link = run(["web", "login-link", "张伟", "--base-url", "https://credit.example.cn"],
               {**env, "CREDITBOT_SECRET_KEY": "k" * 40})
    assert link.returncode == 0, link.stderr
    assert "https://credit.example.cn/login/link/" in link.stdout.replace("\n", "")
    unknown = run(["web", "login-link", "nobody"], {**env, "CREDITBOT_SECRET_KEY": "k" * 40})
    assert unknown.returncode == 1 and "nobody" in unknown.stderr
