"""The ``creditbot`` command. Each module adds its commands to :data:`app`; import it here.

One import per line (this file merges with git's union driver, see .gitattributes).
"""

from __future__ import annotations

import bot.cli.accounts  # noqa: F401
import bot.cli.analytics  # noqa: F401
import bot.cli.apikeys  # noqa: F401
import bot.cli.applications  # noqa: F401
import bot.cli.bench  # noqa: F401
import bot.cli.calendar  # noqa: F401
import bot.cli.chat  # noqa: F401
import bot.cli.customers  # noqa: F401
import bot.cli.db  # noqa: F401
import bot.cli.demo  # noqa: F401
import bot.cli.imports  # noqa: F401
import bot.cli.ops  # noqa: F401
import bot.cli.people  # noqa: F401
import bot.cli.platforms  # noqa: F401
import bot.cli.policy  # noqa: F401
import bot.cli.rules  # noqa: F401
import bot.cli.scoring  # noqa: F401
import bot.cli.serve  # noqa: F401
import bot.cli.web  # noqa: F401
from bot.cli import (  # noqa: F401  (register commands)  # noqa: F401
    db,
    demo,
    directory,  # noqa: F401  (register commands)
    jobs,
    outbox,
    serve,
)
from bot.cli.base import app


def main() -> None:
    app()


__all__ = ["app", "main"]
