"""Imports every adapter module that registers a runtime hook or web routes. One line each."""

import bot.delivery  # noqa: F401
import bot.emulator.connector  # noqa: F401
import bot.emulator.routes  # noqa: F401
import bot.slack.connector  # noqa: F401
