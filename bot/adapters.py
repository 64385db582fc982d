"""Imports every adapter module that registers a runtime hook or web routes. One line each."""

import bot.delivery
import bot.emulator.connector
import bot.emulator.routes
import bot.slack.connector  # noqa: F401
