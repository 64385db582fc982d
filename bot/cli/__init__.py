"""The ``creditbot`` command. Each module adds its commands to :data:`app`; import it here."""

from __future__ import annotations

from bot.cli import (  # noqa: F401  (register commands)
    analytics,
    apikeys,
    applications,
    db,
    demo,
    ops,
    policy,
    serve,
    web,
)
from bot.cli.base import app


def main() -> None:
    app()


__all__ = ["app", "main"]
