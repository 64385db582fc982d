"""Fixtures of the glue tests."""

from tests.bot.conftest import cli  # noqa: F401  (the command line on a test database)
