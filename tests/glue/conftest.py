"""Fixtures of the glue tests."""

from tests.bot.test_integration_cli import cli  # noqa: F401  (the command line on a test database)
