"""Fixtures shared with the conversation tests (scratch handlers, the small seeded world)."""

from tests.handlers.conftest import registry, seeded  # noqa: F401  (fixtures)
