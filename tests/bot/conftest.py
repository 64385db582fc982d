"""Fixtures shared by the adapter tests."""

from tests.handlers.conftest import registry  # noqa: F401  (the restorable router)
