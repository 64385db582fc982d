"""Fixtures of the conversation tests: the small world and the in-memory platform."""

from __future__ import annotations

import pytest

from credit_domain.bootstrap import Domain
from tests.handlers.platform import TestPlatform
from tests.handlers.world import Seeded, seed


@pytest.fixture
def seeded(domain: Domain) -> Seeded:
    return seed(domain)


@pytest.fixture
def chat(domain: Domain, seeded: Seeded) -> TestPlatform:
    return TestPlatform(domain)
