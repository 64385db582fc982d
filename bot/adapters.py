"""Imports every adapter module that registers a runtime hook or web routes.

One import per line (this file merges with git's union driver, see .gitattributes).
"""

import bot.delivery
import bot.emulator.connector
import bot.emulator.routes
import bot.slack.connector
import bot.web.analytics_api
import bot.web.chart_links
import bot.web.dashboard  # noqa: F401
import bot.web.api.customers  # noqa: F401
import bot.web.api.ledger  # noqa: F401
import bot.web.api.orders  # noqa: F401
