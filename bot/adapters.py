"""Imports every adapter module that registers a runtime hook or web routes. One line each."""

import bot.dingtalk.adapter  # noqa: E402, F401
import bot.wecom.adapter  # noqa: E402, F401
