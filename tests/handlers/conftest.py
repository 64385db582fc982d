"""Fixtures of the conversation tests: the small world and the in-memory platform."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from credit_domain.bootstrap import Domain
from handlers.router import Router, router
from tests.handlers.apps import EN_CARDS, Shop, workflow_world
from tests.handlers.platform import TestPlatform
from tests.handlers.world import Seeded, seed


@pytest.fixture
def seeded(domain: Domain) -> Seeded:
    return seed(domain)


@pytest.fixture
def chat(domain: Domain, seeded: Seeded) -> TestPlatform:
    return TestPlatform(domain)


@pytest.fixture
def shop(domain: Domain) -> Shop:
    """The small world with what applications need (see ``tests.handlers.apps``)."""
    return workflow_world(domain)


@pytest.fixture
def talk(domain: Domain, shop: Shop) -> TestPlatform:
    """The in-memory platform with cards, buttons and forms, in English."""
    return TestPlatform(domain, capabilities=EN_CARDS)


@pytest.fixture
def registry() -> Iterator[Router]:
    """The global router, restored after the test (tests register scratch handlers)."""
    import handlers.conversations  # noqa: F401

    saved = {name: dict(getattr(router, name)) for name in
             ("commands", "_words", "actions", "flows", "renderers", "suggestions",
              "home_sections")}
    yield router
    for name, table in saved.items():
        setattr(router, name, table)
