"""Imports every adapter module that registers a runtime hook or web routes. One line each."""

import bot.web.api.customers
import bot.web.api.ledger
import bot.web.api.orders  # noqa: F401
