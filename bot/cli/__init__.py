"""The ``creditbot`` command. Each module adds its commands to :data:`app`."""

from __future__ import annotations

from bot.cli import db, demo, directory, serve  # noqa: F401  (register commands)
from bot.cli.base import app


def main() -> None:
    app()


__all__ = ["app", "main"]
