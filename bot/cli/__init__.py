"""The ``creditbot`` command. Each module adds its commands to :data:`app`; import it here."""

from __future__ import annotations

from bot.cli import apikeys, db, demo, ops, serve  # noqa: F401  (register commands)
from bot.cli.base import app


def main() -> None:
    app()


__all__ = ["app", "main"]
