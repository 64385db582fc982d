"""Fixtures shared by the adapter tests."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import get_settings
from credit_domain.bootstrap import Domain, build_domain
from tests.handlers.conftest import registry  # noqa: F401  (the restorable router)


@pytest.fixture
def cli(sqlite_url: str, clock: Any, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> Iterator[tuple[Any, Domain]]:
    """``(invoke, domain)``: the real CLI on the test database, in Chinese (set ``LANG`` in a
    test for another language: it is read on each command)."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps lines at the terminal width
    monkeypatch.delenv("CREDITBOT_POLICY_DIR", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the working copy
    get_settings.cache_clear()
    domain = build_domain(sqlite_url, clock=clock)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield invoke, domain
    domain.dispose()
    get_settings.cache_clear()
