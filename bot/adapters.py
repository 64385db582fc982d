"""Imports every adapter module that registers a runtime hook or web routes.

One import per line (this file merges with git's union driver, see .gitattributes).
"""

import bot.bureau  # noqa: F401
import bot.delivery  # noqa: F401
import bot.dingtalk.adapter  # noqa: F401
import bot.emulator.connector  # noqa: F401
import bot.emulator.routes  # noqa: F401
import bot.monitoring  # noqa: F401
import bot.slack.connector  # noqa: F401
import bot.web.analytics_api  # noqa: F401
import bot.web.api.customers  # noqa: F401
import bot.web.api.ledger  # noqa: F401
import bot.web.api.orders  # noqa: F401
import bot.web.applications  # noqa: F401
import bot.web.chart_links  # noqa: F401
import bot.web.chat_links  # noqa: F401
import bot.web.dashboard  # noqa: F401
import bot.wecom.adapter  # noqa: F401
