"""`make run`'s steps through the real command: migrate, seed, serve /healthz."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.settings import Settings

CREDITBOT = [sys.executable, "-m", "bot"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(CREDITBOT + args, env=env, capture_output=True, text=True, timeout=120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_upgrade_seed_and_serve(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/creditbot.db",
           "CREDITBOT_SCHEDULER": "0"}
    env.pop("CREDITBOT_POLICY_DIR", None)
    early = run(["people", "list"], env)  # before the schema exists: said, not a traceback
    assert early.returncode == 1 and "creditbot db upgrade" in early.stderr
    assert "Traceback" not in early.stderr + early.stdout
    up = run(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    assert "up to date" in up.stdout
    seeded = run(["demo", "--if-empty", "--customers", "30"], env)
    assert seeded.returncode == 0, seeded.stderr
    assert "30 customers" in seeded.stdout
    again = run(["demo", "--if-empty"], env)
    assert "already has data" in again.stdout
    refused = run(["demo"], env)
    assert refused.returncode == 1 and "--reset" in refused.stdout
    unconfirmed = run(["demo", "--reset", "--customers", "20"], env)  # no terminal to ask
    assert unconfirmed.returncode == 1 and "Nothing was deleted" in unconfirmed.stdout
    deployment = run(["demo", "--reset", "--yes", "--customers", "20"],
                     {**env, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert deployment.returncode == 1 and "Slack is configured" in deployment.stdout
    confirmed = run(["demo", "--reset", "--yes", "--customers", "20"], env)
    assert confirmed.returncode == 0 and "20 customers" in confirmed.stdout, confirmed.stderr

    port = free_port()
    proc = subprocess.Popen([*CREDITBOT, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json() == {"status": "ok"}
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_every_cli_module_is_registered() -> None:
    """A command module that is not imported by bot.cli silently vanishes from the CLI."""
    import pkgutil

    import bot.cli

    modules = {m.name for m in pkgutil.iter_modules(bot.cli.__path__)} - {"base"}
    assert modules <= set(sys.modules.get("bot.cli").__dict__), sorted(
        modules - set(bot.cli.__dict__))


def test_serve_refuses_the_emulator_next_to_a_real_platform(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/c.db", "CREDITBOT_EMULATOR": "1",
           "SLACK_BOT_TOKEN": "xoxb-real-looking", "SLACK_SIGNING_SECRET": "abcdef123456"}
    refused = subprocess.run([*CREDITBOT, "serve", "--port", str(free_port())], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "CREDITBOT_EMULATOR=0" in refused.stderr
    assert "xoxb-real-looking" not in refused.stderr + refused.stdout


def test_make_run_turns_the_emulator_on_only_where_nothing_says_otherwise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("CREDITBOT_EMULATOR", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().for_demo().emulator  # a fresh clone: the emulator
    (tmp_path / ".env").write_text("CREDITBOT_EMULATOR=0\n")
    assert not Settings().for_demo().emulator  # the operator's .env wins over `make run`
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=s\n")
    configured = Settings().for_demo()
    assert not configured.emulator and configured.unsafe_emulator() is None  # serves Slack
