"""The composition root of a creditbot process: settings → Domain → platform adapters.

The web server, the CLI, the scheduler and the tests all build their process through
:func:`build_runtime`, so each runs the same wiring with real or test dependencies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.observability import PrometheusTelemetry
from bot.settings import Settings, get_settings
from credit_domain.bootstrap import Domain, build_domain
from credit_domain.clock import Clock


@dataclass
class Runtime:
    """A wired process: settings, the domain, and whatever adapters are enabled."""

    settings: Settings
    domain: Domain
    # Started and stopped with the web server (scheduler, dispatcher, socket-mode clients…).
    background: list[Any] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.domain.dispose()


RuntimeHook = Callable[[Runtime], None]
RUNTIME_HOOKS: list[RuntimeHook] = []


def runtime_hook(fn: RuntimeHook) -> RuntimeHook:
    """Decorator: register an adapter's wiring (called by :func:`build_runtime`)."""
    RUNTIME_HOOKS.append(fn)
    return fn


def build_runtime(settings: Settings | None = None, *, clock: Clock | None = None) -> Runtime:
    import bot.adapters  # noqa: F401  (registers every adapter's runtime hook)

    settings = settings or get_settings()
    domain = build_domain(settings.database_url, clock=clock, policy_dir=settings.policy_dir)
    domain.telemetry = PrometheusTelemetry()
    runtime = Runtime(settings=settings, domain=domain)
    for hook in RUNTIME_HOOKS:
        hook(runtime)
    return runtime
