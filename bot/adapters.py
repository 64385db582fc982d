"""Imports every adapter module that registers a runtime hook or web routes. One line each."""
import bot.bureau  # noqa: F401
