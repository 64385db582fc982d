"""Imports every adapter module that registers a runtime hook or web routes. One line each."""
import bot.monitoring  # noqa: F401
