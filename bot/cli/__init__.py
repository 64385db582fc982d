"""The ``creditbot`` command. Each module adds its commands to :data:`app`."""

from __future__ import annotations

from bot.cli import (  # noqa: F401  (register commands)
    apikeys,
    customers,
    db,
    demo,
    imports,
    rules,
    serve,
)
from bot.cli.base import app


def main() -> None:
    app()


__all__ = ["app", "main"]
