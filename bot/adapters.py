"""Imports every adapter module that registers a runtime hook or web routes. One line each."""

import bot.web.analytics_api
import bot.web.chart_links
import bot.web.dashboard  # noqa: F401
